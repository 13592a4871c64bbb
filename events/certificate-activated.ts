import { z } from 'zod'
import { certificateNumber, defineEvent, isoDate } from './common.ts'

/** The parent confirmed the child's data: from now on the certificate can be used for enrolment. */
export const CertificateActivated = defineEvent(
  'CertificateActivated',
  1,
  'certificate-{certificateNumber}',
  z.object({ certificateNumber, activatedOn: isoDate }),
)
