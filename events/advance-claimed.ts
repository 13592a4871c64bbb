import { z } from 'zod'
import { defineEvent, entityId, isoDate, isoMonth } from './common.ts'

/** A provider claims less than the 80 % advance for a month from a payer; the month's advance invoice follows it. */
export const AdvanceClaimed = defineEvent(
  'AdvanceClaimed',
  1,
  'provider-{providerId}',
  z.object({ providerId: entityId, payerId: entityId, month: isoMonth, percent: z.number().int().min(0).max(80), claimedOn: isoDate }),
)
