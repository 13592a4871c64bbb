import { z } from 'zod'
import { defineEvent, entityId } from './common.ts'

/** An education provider (an organization: a name is not personal data) joined the registry. */
export const ProviderRegistered = defineEvent(
  'ProviderRegistered',
  1,
  'provider-{providerId}',
  z.object({
    providerId: entityId,
    municipality: entityId,
    name: z.string().min(1).max(300),
    kind: z.enum(['municipal', 'private', 'individual-entrepreneur']),
  }),
)
