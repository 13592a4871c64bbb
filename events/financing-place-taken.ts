import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate } from './common.ts'

/** A certificate took one of the period's financing places (the cap). No money moves here; see NominalCredited. */
export const FinancingPlaceTaken = defineEvent(
  'FinancingPlaceTaken',
  1,
  'municipality-{municipality}',
  z.object({
    municipality: entityId,
    periodId: entityId,
    certificateNumber,
    takenOn: isoDate,
    /** Taken straight away (issue or type change) or by promotion from the queue. */
    via: z.enum(['request', 'queue']),
  }),
)
