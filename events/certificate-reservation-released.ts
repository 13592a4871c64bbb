import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, kopecks, uuid } from './common.ts'

/** Reserved money returned to the balance: reserved − amount, balance + amount. */
export const CertificateReservationReleased = defineEvent(
  'CertificateReservationReleased',
  1,
  'certificate-{certificateNumber}',
  z.object({
    certificateNumber,
    periodId: entityId,
    contractId: uuid,
    amount: kopecks,
    releasedOn: isoDate,
    reason: z.enum(['refused', 'terminated', 'request_abandoned']),
  }),
)
