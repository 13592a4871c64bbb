import { z } from 'zod'
import { certificateNumber, defineEvent, invoiceHeader, kopecks, uuid } from './common.ts'

/**
 * The advance invoice of a month for one payer and one provider: per running contract at most 80 % of the
 * month's certificate amount, half-up to the kopeck. Immutable once issued.
 */
export const AdvanceInvoiceIssued = defineEvent(
  'AdvanceInvoiceIssued',
  1,
  'invoice-{invoiceId}',
  invoiceHeader.extend({
    lines: z.array(z.object({ contractId: uuid, certificateNumber, monthAmount: kopecks, amount: kopecks })),
    total: kopecks,
  }),
)
