import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, kopecks } from './common.ts'

/** Frozen (no running contracts allowed): the balance goes to zero and is remembered here; the place is released. */
export const CertificateFrozen = defineEvent(
  'CertificateFrozen',
  1,
  'certificate-{certificateNumber}',
  z.object({ certificateNumber, periodId: entityId, frozenOn: isoDate, balanceWithdrawn: kopecks }),
)
