import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, kopecks } from './common.ts'

/** The period's nominal was credited to a financing certificate: balance for that period + amount. */
export const NominalCredited = defineEvent(
  'NominalCredited',
  1,
  'certificate-{certificateNumber}',
  z.object({ certificateNumber, periodId: entityId, amount: kopecks, creditedOn: isoDate }),
)
