import { z } from 'zod'
import { defineEvent, direction, entityId, programmeKind } from './common.ts'

/** A provider's programme entered the registry, in one of six directions and of one kind. */
export const ProgrammeRegistered = defineEvent(
  'ProgrammeRegistered',
  1,
  'programme-{programmeId}',
  z.object({
    programmeId: entityId,
    providerId: entityId,
    municipality: entityId,
    title: z.string().min(1).max(500),
    direction,
    kind: programmeKind,
  }),
)
