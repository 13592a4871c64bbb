import { z } from 'zod'
import { defineEvent, entityId, isoDate, key } from './common.ts'

/**
 * The payment a number was taken for was refused after all (another payment settled the invoice first): the number
 * is free again. No money moves.
 */
export const PaymentOrderNumberReleased = defineEvent(
  'PaymentOrderNumberReleased',
  1,
  'payment-orders-{payerId}-{year}',
  z.object({
    payerId: entityId,
    year: z.number().int().min(1).max(9999),
    paymentOrder: z.string().min(1).max(50),
    paymentId: key,
    releasedOn: isoDate,
    reason: z.string().min(1).max(500),
  }),
)
