import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate } from './common.ts'

/** A waiting certificate left the financing queue (it was frozen): it will not be promoted. No money moves. */
export const CertificateLeftFinancingQueue = defineEvent(
  'CertificateLeftFinancingQueue',
  1,
  'municipality-{municipality}',
  z.object({ municipality: entityId, periodId: entityId, certificateNumber, leftOn: isoDate, reason: z.enum(['frozen']) }),
)
