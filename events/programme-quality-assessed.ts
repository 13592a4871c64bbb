import { z } from 'zod'
import { defineEvent, entityId, isoDate } from './common.ts'

/** The independent quality assessment (НОК) scored the programme; 30 points or more certify it for financing. */
export const ProgrammeQualityAssessed = defineEvent(
  'ProgrammeQualityAssessed',
  1,
  'programme-{programmeId}',
  z.object({
    programmeId: entityId,
    score: z.number().int().min(0).max(1000),
    assessedOn: isoDate,
    certified: z.boolean(),
  }),
)
