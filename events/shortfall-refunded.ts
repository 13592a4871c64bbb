import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoMonth, kopecks } from './common.ts'

/**
 * A final invoice was paid in full and one of its lines was below 100 %: the difference between the month's
 * amount and the line returns to the certificate for that period (spent − amount, balance + amount).
 */
export const ShortfallRefunded = defineEvent(
  'ShortfallRefunded',
  1,
  'certificate-{certificateNumber}',
  z.object({
    certificateNumber,
    periodId: entityId,
    contractId: z.string(),
    month: isoMonth,
    invoiceId: z.string(),
    /** Set when the refund comes from a correction carried by the invoice. */
    correctionId: z.string().nullable(),
    amount: kopecks,
  }),
)
