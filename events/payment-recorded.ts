import { z } from 'zod'
import { defineEvent, isoDate, key, kopecks, paymentOf } from './common.ts'

/** The payer paid (part of) an invoice: amount, date, payment order number; late after the 10th of the next month. */
export const PaymentRecorded = defineEvent(
  'PaymentRecorded',
  1,
  'invoice-{invoiceId}',
  // Which invoice was paid (kind, payer, provider, month), then the payment itself.
  paymentOf.extend({
    paymentId: key,
    amount: kopecks,
    paidOn: isoDate,
    paymentOrder: z.string().min(1).max(50),
    overdue: z.boolean(),
  }),
)
