import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, uuid } from './common.ts'

/** A contract request took a place in the group (first step of the request). No money moves here. */
export const GroupPlaceTaken = defineEvent(
  'GroupPlaceTaken',
  1,
  'group-{groupId}',
  z.object({ groupId: entityId, contractId: uuid, certificateNumber }),
)
