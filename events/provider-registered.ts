import { z } from 'zod'
import { defineEvent, entityId, nextVersion, requisites } from './common.ts'

const v1 = z.object({
  providerId: entityId,
  municipality: entityId,
  name: z.string().min(1).max(300),
  kind: z.enum(['municipal', 'private', 'individual-entrepreneur']),
})

/** Version 1 (a name only). */
const ProviderRegisteredV1 = defineEvent('ProviderRegistered', 1, 'provider-{providerId}', v1)

/**
 * An education provider (an organization: a name is not personal data) joined the registry, with the requisites
 * given at registration (in force from the beginning of history; `OrganisationRequisitesChanged` changes them from a
 * date). Version 1 reads with no requisites.
 */
export const ProviderRegistered = nextVersion(ProviderRegisteredV1, v1.extend({ requisites: requisites.optional() }), (d) => d)
