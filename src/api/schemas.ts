import { z } from 'zod'
import { CERTIFICATE_TYPES, DIRECTIONS, PROGRAMME_KINDS } from '../../events/index.ts'
import { dateFormatHint, isValidDate } from '../domain/dates.ts'
import { formatAmount, parseAmount } from '../domain/money.ts'

// The edge: what clients send and receive. Amounts are decimal strings with two decimals, dates YYYY-MM-DD.

export const amount = z
  .string()
  .regex(/^(0|[1-9]\d{0,12})\.\d{2}$/, 'an amount is roubles with exactly two decimals, e.g. "7760.00"')
  .transform((s) => parseAmount(s))
  .describe('roubles with two decimals, e.g. "7760.00"')

export const amountOut = z.string().describe('roubles with two decimals')
export const money = (kopecks: number) => formatAmount(kopecks)

export const date = z
  .string()
  .refine(isValidDate, { error: (issue) => `a date is YYYY-MM-DD and must exist in the calendar${dateFormatHint(String(issue.input))}` })
  .describe('YYYY-MM-DD')
export const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is YYYY-MM').describe('YYYY-MM')
export const id = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/, 'an id has 1–64 letters, digits, dots, dashes or underscores')
export const certificateNumber = z.string().regex(/^[0-9A-Za-z]{10}$/, 'a certificate number has exactly 10 letters or digits')
export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID')
export const certificateType = z.enum(CERTIFICATE_TYPES)
export const direction = z.enum(DIRECTIONS)
export const programmeKind = z.enum(PROGRAMME_KINDS)

/** Headers every command route reads. */
export const commandHeaders = z.object({
  'idempotency-key': z.string().min(1).max(200).optional().describe('repeat a request safely: the first result is returned'),
  'if-match': z.string().regex(/^"?(\d+|no-stream)"?$/, 'If-Match is the ETag of the stream, e.g. "3"').optional(),
})

export const outcome = z.object({ streamId: z.string(), version: z.number().int().nullable() })

export const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string().optional(),
})
