import { z } from 'zod'
import { count, defineEvent, entityId } from './common.ts'

/** The resident population aged 5–18 of a municipality for a year: the denominator of coverage. */
export const PopulationRecorded = defineEvent(
  'PopulationRecorded',
  1,
  'municipality-{municipality}',
  z.object({
    municipality: entityId,
    year: z.number().int().min(2000).max(2100),
    children5to18: count.min(1),
  }),
)
