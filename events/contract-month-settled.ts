import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoMonth, kopecks, uuid } from './common.ts'

/**
 * The month close fixed what a financing contract earns for a month: the month's certificate amount times
 * completeness (half-up to the kopeck). From here the attendance of that month is closed; it becomes a line of
 * the provider's final invoice.
 */
export const ContractMonthSettled = defineEvent(
  'ContractMonthSettled',
  1,
  'contract-{contractId}',
  z.object({
    contractId: uuid,
    certificateNumber,
    payerId: entityId,
    providerId: entityId,
    month: isoMonth,
    /** The month whose close settled it: its final invoice carries the line. */
    invoiceMonth: isoMonth,
    /** The month's certificate amount from the schedule (written off at the close). */
    monthAmount: kopecks,
    /** Basis points, 10 000 = 100 %. */
    completenessBp: z.number().int().min(0).max(10000),
    lineAmount: kopecks,
  }),
)
