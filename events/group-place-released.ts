import { z } from 'zod'
import { defineEvent, entityId, isoDate, uuid } from './common.ts'

/** The contract no longer holds its place: refused, closed, or its request was abandoned. */
export const GroupPlaceReleased = defineEvent(
  'GroupPlaceReleased',
  1,
  'group-{groupId}',
  z.object({
    groupId: entityId,
    contractId: uuid,
    releasedOn: isoDate,
    reason: z.enum(['refused', 'closed', 'request_abandoned']),
  }),
)
