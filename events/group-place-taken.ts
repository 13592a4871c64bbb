import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, nextVersion, recordedDate, uuid } from './common.ts'

const v1 = z.object({ groupId: entityId, contractId: uuid, certificateNumber })

/** Version 1 (no date of its own). */
const GroupPlaceTakenV1 = defineEvent('GroupPlaceTaken', 1, 'group-{groupId}', v1)

/**
 * A contract request took a place in the group (first step of the request), on the day it was requested. No money
 * moves here. Version 1 reads as taken on the (UTC) date it was recorded.
 */
export const GroupPlaceTaken = nextVersion(GroupPlaceTakenV1, v1.extend({ takenOn: isoDate }), (d, c) => ({ ...d, takenOn: recordedDate(c) }))
