import { z } from 'zod'
import { count, defineEvent, entityId, isoDate, kopecks } from './common.ts'

/** A group of a programme: teaching period, price and normative cost for the whole period, capacity. */
export const GroupOpened = defineEvent(
  'GroupOpened',
  1,
  'group-{groupId}',
  z.object({
    groupId: entityId,
    programmeId: entityId,
    providerId: entityId,
    municipality: entityId,
    startDate: isoDate,
    endDate: isoDate,
    /** The price of the whole teaching period; at most 150 % of the normative cost. */
    price: kopecks,
    normativeCost: kopecks,
    capacity: count.min(1),
  }),
)
