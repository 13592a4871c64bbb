import { z } from 'zod'
import { defineEvent, isoDate, key, kopecks, paymentOf } from './common.ts'

/** A payment recorded by mistake is reversed (storno), referring to it: paid − amount. Nothing is deleted. */
export const PaymentReversed = defineEvent(
  'PaymentReversed',
  1,
  'invoice-{invoiceId}',
  paymentOf.extend({
    reversesPaymentId: key,
    amount: kopecks,
    reversedOn: isoDate,
    reason: z.string().min(1).max(500),
  }),
)
