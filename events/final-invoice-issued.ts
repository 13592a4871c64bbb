import { z } from 'zod'
import { certificateNumber, defineEvent, invoiceHeader, isoDate, isoMonth, key, kopecks, signedKopecks, uuid } from './common.ts'

/**
 * The final invoice of a month for one payer and one provider: a line per contract month settled at the close,
 * "total services", the advance paid for the month deducted, and the amount due. Immutable once issued.
 */
export const FinalInvoiceIssued = defineEvent(
  'FinalInvoiceIssued',
  1,
  'invoice-{invoiceId}',
  invoiceHeader.extend({
    lines: z.array(
      z.object({
        contractId: uuid,
        certificateNumber,
        contractDate: isoDate,
        month: isoMonth,
        monthAmount: kopecks,
        completenessBp: z.number().int().min(0).max(10000),
        lineAmount: kopecks,
      }),
    ),
    /** Corrections of months invoiced before: signed differences, included in the total. */
    corrections: z.array(z.object({ correctionId: key, contractId: uuid, certificateNumber, month: isoMonth, correctsInvoiceId: key, amount: signedKopecks })),
    /** Lines plus corrections. */
    total: signedKopecks,
    /** What was paid on the month's advance invoice when this one was issued. */
    advanceDeducted: kopecks,
    /** total − advanceDeducted; negative when the advance paid exceeded the services (the provider owes it back). */
    amountDue: signedKopecks,
  }),
)
