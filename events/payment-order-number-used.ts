import { z } from 'zod'
import { defineEvent, entityId, isoDate, key } from './common.ts'

/**
 * A payer used a payment order number (номер платёжного поручения) for a payment: numbers are unique per payer and
 * calendar year, so the same order cannot be recorded as two payments. Stream `payment-orders-{payerId}-{year}`. No
 * money moves here; the invoice's `PaymentRecorded` follows.
 */
export const PaymentOrderNumberUsed = defineEvent(
  'PaymentOrderNumberUsed',
  1,
  'payment-orders-{payerId}-{year}',
  z.object({
    payerId: entityId,
    year: z.number().int().min(1).max(9999),
    paymentOrder: z.string().min(1).max(50),
    paymentId: key,
    invoiceId: key,
    paidOn: isoDate,
  }),
)
