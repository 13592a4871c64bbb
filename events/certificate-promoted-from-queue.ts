import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate } from './common.ts'

/**
 * A place came free and the head of the queue got it; always appended together with the FinancingPlaceTaken
 * it causes. The certificate then changes to financing and is credited with the nominal on its own stream.
 */
export const CertificatePromotedFromQueue = defineEvent(
  'CertificatePromotedFromQueue',
  1,
  'municipality-{municipality}',
  z.object({ municipality: entityId, periodId: entityId, certificateNumber, promotedOn: isoDate }),
)
