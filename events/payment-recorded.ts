import { z } from 'zod'
import { defineEvent, entityId, isoDate, isoMonth, kopecks } from './common.ts'

/** The payer paid (part of) an invoice: amount, date, payment order number; late after the 10th of the next month. */
export const PaymentRecorded = defineEvent(
  'PaymentRecorded',
  1,
  'invoice-{invoiceId}',
  z.object({
    invoiceId: z.string(),
    /** Which invoice was paid: an advance or a final one, of which payer, provider and month. */
    kind: z.enum(['advance', 'final']),
    payerId: entityId,
    providerId: entityId,
    month: isoMonth,
    paymentId: z.string(),
    amount: kopecks,
    paidOn: isoDate,
    paymentOrder: z.string().min(1).max(50),
    overdue: z.boolean(),
  }),
)
