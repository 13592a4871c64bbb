import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, isoMonth, kopecks, nextVersion, uuid } from './common.ts'

const v1 = z.object({
  certificateNumber,
  periodId: entityId,
  contractId: uuid,
  amount: kopecks,
  releasedOn: isoDate,
  reason: z.enum(['refused', 'terminated', 'request_abandoned']),
})

/** Version 1 (no last month). */
const CertificateReservationReleasedV1 = defineEvent('CertificateReservationReleased', 1, 'certificate-{certificateNumber}', v1)

/**
 * Reserved money returned to the balance: reserved − amount, balance + amount. For a termination, `lastMonth` is the
 * contract's last payable month: no later month is written off any more (and one written off already returns with
 * `CertificateWriteOffReturned`). Version 1 reads with `lastMonth` null.
 */
export const CertificateReservationReleased = nextVersion(CertificateReservationReleasedV1, v1.extend({ lastMonth: isoMonth.nullable() }), (d) => ({
  ...d,
  lastMonth: null,
}))
