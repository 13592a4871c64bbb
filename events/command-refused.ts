import { z } from 'zod'
import { defineEvent, key } from './common.ts'

/**
 * The command sent under an idempotency key was refused by a rule: a refusal does not consume the key. Sent again
 * with the same body, the key answers with this refusal (nothing runs); with a corrected body it runs as a new
 * attempt of that key. No money moves.
 */
export const CommandRefused = defineEvent(
  'CommandRefused',
  1,
  'idempotency-{sha256 of the key}',
  z.object({
    command: z.string().min(1),
    commandHash: z.string().regex(/^[0-9a-f]{64}$/),
    /** The refusal's stable code (problem+json `code`) and its sentence. */
    code: key,
    message: z.string().max(2000),
  }),
)
