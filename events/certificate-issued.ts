import { z } from 'zod'
import { certificateNumber, certificateType, defineEvent, entityId, isoDate } from './common.ts'

/**
 * The registry operator issued a certificate to a resident child (birth date only: no names in the log).
 * Every certificate starts as an accounting certificate; one issued for financing becomes one with
 * CertificateTypeChanged once it holds a place under the cap, or waits in the queue.
 */
export const CertificateIssued = defineEvent(
  'CertificateIssued',
  1,
  'certificate-{certificateNumber}',
  z.object({
    certificateNumber,
    municipality: entityId,
    birthDate: isoDate,
    issuedOn: isoDate,
    /** The type the operator asked for: financing may have to wait in the queue. */
    requestedType: certificateType,
  }),
)
