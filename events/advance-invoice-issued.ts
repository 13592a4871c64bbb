import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, isoMonth, kopecks, uuid } from './common.ts'

/**
 * The advance invoice of a month for one payer and one provider: per running contract at most 80 % of the
 * month's certificate amount, half-up to the kopeck. Immutable once issued.
 */
export const AdvanceInvoiceIssued = defineEvent(
  'AdvanceInvoiceIssued',
  1,
  'invoice-{invoiceId}',
  z.object({
    invoiceId: z.string(),
    number: z.string(),
    payerId: entityId,
    providerId: entityId,
    municipality: entityId,
    month: isoMonth,
    issuedOn: isoDate,
    lines: z.array(z.object({ contractId: uuid, certificateNumber, monthAmount: kopecks, amount: kopecks })),
    total: kopecks,
  }),
)
