import { z } from 'zod'
import { defineEvent, entityId, isoDate, isoMonth, kopecks } from './common.ts'

/** A payment recorded by mistake is reversed (storno), referring to it: paid − amount. Nothing is deleted. */
export const PaymentReversed = defineEvent(
  'PaymentReversed',
  1,
  'invoice-{invoiceId}',
  z.object({
    invoiceId: z.string(),
    kind: z.enum(['advance', 'final']),
    payerId: entityId,
    providerId: entityId,
    month: isoMonth,
    reversesPaymentId: z.string(),
    amount: kopecks,
    reversedOn: isoDate,
    reason: z.string().min(1).max(500),
  }),
)
