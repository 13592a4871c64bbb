import { z } from 'zod'
import { count, defineEvent, entityId, isoDate, kopecks } from './common.ts'

/** The authorized body opened a financing period for a municipality. Sets the money every financing certificate gets. */
export const FinancingPeriodOpened = defineEvent(
  'FinancingPeriodOpened',
  1,
  'municipality-{municipality}',
  z.object({
    municipality: entityId,
    periodId: entityId,
    startDate: isoDate,
    endDate: isoDate,
    /** The nominal credited to each financing certificate for the period. */
    nominal: kopecks,
    /** How many financing certificates may hold a place at once. */
    financingCap: count,
    /** Optional limit on the sum of the nominals of financing certificates (budget convergence). */
    nominalLimit: kopecks.nullable(),
    /** The payer organization that pays providers for this period. */
    payerId: entityId,
  }),
)
