import { z } from 'zod'

// The HTTP edge: what clients send and receive (the value types are src/app/fields.ts, shared with the imports).

export {
  amount,
  amountOut,
  basisPoints,
  birthDate,
  certificateNumber,
  certificateType,
  count,
  date,
  direction,
  id,
  LIMITS,
  money,
  month,
  percentage,
  programmeKind,
  uuid,
} from '../app/fields.ts'

/** Headers every command route reads. */
export const commandHeaders = z.object({
  'idempotency-key': z.string().min(1).max(200).optional().describe('repeat a request safely: the first result is returned'),
  'if-match': z
    .string()
    .regex(/^"?(\d+|no-stream)"?$/, 'If-Match is the ETag of the stream, e.g. "3"')
    .optional(),
})

export const outcome = z.object({ streamId: z.string(), version: z.number().int().nullable() })
