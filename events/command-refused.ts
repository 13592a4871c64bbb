import { z } from 'zod'
import { defineEvent, key } from './common.ts'

/**
 * The command sent under an idempotency key was refused by a rule (its code): a refusal does not consume the key. The
 * same key may be sent again — with the same body it runs again (and is most likely refused again), with a
 * corrected body it runs as a new attempt of that key. No money moves.
 */
export const CommandRefused = defineEvent(
  'CommandRefused',
  1,
  'idempotency-{sha256 of the key}',
  z.object({
    command: z.string().min(1),
    commandHash: z.string().regex(/^[0-9a-f]{64}$/),
    /** The refusal's stable code (problem+json `code`). */
    code: key,
  }),
)
