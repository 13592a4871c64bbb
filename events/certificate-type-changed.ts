import { z } from 'zod'
import { certificateNumber, certificateType, defineEvent, entityId, isoDate, kopecks } from './common.ts'

/**
 * The certificate's type changed for a period. To financing: it holds a place under the cap (NominalCredited
 * follows). To accounting: allowed only with nothing reserved or spent; `nominalWithdrawn` leaves the balance.
 */
export const CertificateTypeChanged = defineEvent(
  'CertificateTypeChanged',
  1,
  'certificate-{certificateNumber}',
  z.object({
    certificateNumber,
    periodId: entityId,
    from: certificateType,
    to: certificateType,
    changedOn: isoDate,
    reason: z.enum(['request', 'promoted_from_queue', 'issued_as_financing']),
    /** Money taken off the certificate for the period (to accounting: the whole nominal; otherwise 0). */
    nominalWithdrawn: kopecks,
  }),
)
