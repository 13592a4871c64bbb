import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate } from './common.ts'

/** Unfrozen in a later period than the freeze, with a free place; NominalCredited for that period follows. */
export const CertificateUnfrozen = defineEvent(
  'CertificateUnfrozen',
  1,
  'certificate-{certificateNumber}',
  z.object({ certificateNumber, periodId: entityId, unfrozenOn: isoDate }),
)
