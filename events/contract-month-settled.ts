import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, isoMonth, kopecks, nextVersion, recordedDate, uuid } from './common.ts'

/**
 * The month close fixed what a financing contract earns for a month: the month's certificate amount times
 * completeness (half-up to the kopeck). From here the attendance of that month is closed; it becomes a line of
 * the provider's final invoice.
 */
const v1 = z.object({
  contractId: uuid,
  certificateNumber,
  payerId: entityId,
  providerId: entityId,
  month: isoMonth,
  /** The month whose close settled it: its final invoice carries the line. */
  invoiceMonth: isoMonth,
  /** The month's certificate amount from the schedule (written off when the month began). */
  monthAmount: kopecks,
  /** Basis points, 10 000 = 100 %. */
  completenessBp: z.number().int().min(0).max(10000),
  lineAmount: kopecks,
})

/** Version 1 (no date of its own). */
const ContractMonthSettledV1 = defineEvent('ContractMonthSettled', 1, 'contract-{contractId}', v1)

/** Settled on the day of the close (`settledOn`). Version 1 reads as settled on the (UTC) date it was recorded. */
export const ContractMonthSettled = nextVersion(ContractMonthSettledV1, v1.extend({ settledOn: isoDate }), (d, c) => ({ ...d, settledOn: recordedDate(c) }))
