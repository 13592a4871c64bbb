import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate } from './common.ts'

/** The cap was reached: the certificate waits, first come first served, for a financing place. No money moves. */
export const CertificateQueuedForFinancing = defineEvent(
  'CertificateQueuedForFinancing',
  1,
  'municipality-{municipality}',
  z.object({ municipality: entityId, periodId: entityId, certificateNumber, queuedOn: isoDate }),
)
