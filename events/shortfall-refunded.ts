import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, isoMonth, key, kopecks, nextVersion, recordedDate } from './common.ts'

const v1 = z.object({
  certificateNumber,
  periodId: entityId,
  contractId: key,
  month: isoMonth,
  invoiceId: key,
  /** Set when the refund comes from a correction carried by the invoice. */
  correctionId: key.nullable(),
  amount: kopecks,
})

/** Version 1 (no date of its own). */
const ShortfallRefundedV1 = defineEvent('ShortfallRefunded', 1, 'certificate-{certificateNumber}', v1)

/**
 * A final invoice was paid in full and one of its lines was below 100 %: the difference between the month's
 * amount and the line returns to the certificate for that period (spent − amount, balance + amount). `refundedOn`
 * is the day the invoice was settled: the date of the payment that completed it (its issue date when it was due
 * nothing). Version 1 reads as refunded on the (UTC) date it was recorded.
 */
export const ShortfallRefunded = nextVersion(ShortfallRefundedV1, v1.extend({ refundedOn: isoDate }), (d, c) => ({ ...d, refundedOn: recordedDate(c) }))
