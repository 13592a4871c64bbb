import { z } from 'zod'
import { defineEvent } from './common.ts'

/**
 * The first use of a client's idempotency key: which command it named and a hash of its body. A retry with the
 * same key and body repeats nothing; the same key with another body is refused. No money moves.
 */
export const CommandAccepted = defineEvent(
  'CommandAccepted',
  1,
  'idempotency-{sha256 of the key}',
  z.object({
    command: z.string().min(1),
    /** SHA-256 of the canonical JSON of the command's body. */
    commandHash: z.string().regex(/^[0-9a-f]{64}$/),
    /** The id the command's work is done under; event ids of every step derive from it. */
    processId: z.string().min(1),
  }),
)
