import { z } from 'zod'
import { defineEvent, entityId, isoDate, REQUISITE_FIELDS, requisites } from './common.ts'

/**
 * A payer's or a provider's requisites change from `effectiveOn`: `requisites` is the whole set in force from that
 * day (the change merged into what was in force the day before), `changed` the fields the change gave. Documents of
 * a business date read the latest set whose `effectiveOn` is not after it.
 */
export const OrganisationRequisitesChanged = defineEvent(
  'OrganisationRequisitesChanged',
  1,
  '{kind}-{organisationId}',
  z.object({
    kind: z.enum(['payer', 'provider']),
    organisationId: entityId,
    effectiveOn: isoDate,
    requisites,
    changed: z.array(z.enum(REQUISITE_FIELDS)).max(REQUISITE_FIELDS.length),
  }),
)
