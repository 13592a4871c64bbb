import { z } from 'zod'
import { certificateNumber, count, defineEvent, isoDate, isoMonth, uuid } from './common.ts'

/**
 * The provider's attendance month of a contract: lessons planned, cancelled by the provider, attended. Recorded
 * again before the month is settled, the latest counts; after that only a correction can change it. No money
 * moves here: completeness = (planned − cancelled) / planned, or lower if the provider says so.
 */
export const AttendanceRecorded = defineEvent(
  'AttendanceRecorded',
  1,
  'contract-{contractId}',
  z.object({
    contractId: uuid,
    certificateNumber,
    month: isoMonth,
    lessonsPlanned: count.min(1),
    lessonsCancelledByProvider: count,
    lessonsAttended: count,
    /** The provider may lower completeness further: basis points, 10 000 = 100 %. */
    providerCompletenessBp: z.number().int().min(0).max(10000).nullable(),
    recordedOn: isoDate,
  }),
)
