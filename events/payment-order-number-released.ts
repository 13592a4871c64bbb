import { z } from 'zod'
import { defineEvent, entityId, isoDate } from './common.ts'

/**
 * The payment a number was taken for was refused after all (another payment settled the invoice first): the number
 * is free again. No money moves.
 */
export const PaymentOrderNumberReleased = defineEvent(
  'PaymentOrderNumberReleased',
  1,
  'payment-orders-{payerId}-{year}',
  z.object({ payerId: entityId, year: z.number().int(), paymentOrder: z.string().min(1).max(50), paymentId: z.string(), releasedOn: isoDate, reason: z.string().min(1).max(500) }),
)
