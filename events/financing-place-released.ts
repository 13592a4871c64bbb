import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate } from './common.ts'

/** A certificate gave its financing place back (changed to accounting, or frozen); the queue's head may take it. */
export const FinancingPlaceReleased = defineEvent(
  'FinancingPlaceReleased',
  1,
  'municipality-{municipality}',
  z.object({
    municipality: entityId,
    periodId: entityId,
    certificateNumber,
    releasedOn: isoDate,
    reason: z.enum(['type_changed', 'frozen']),
  }),
)
