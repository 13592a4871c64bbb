import { entityId } from '../../events/index.ts'
import type { IsoDate } from '../domain/dates.ts'
import type { Organisation, OrganisationKind, OrganisationLookup } from '../domain/organisation.ts'
import { payerDecider } from '../domain/payer.ts'
import { providerDecider } from '../domain/provider.ts'
import { type RequisitesEntry, requisitesOn } from '../domain/requisites-timeline.ts'
import type { Application } from './context.ts'
import { streams } from './streams.ts'

// The registry's organisations as documents and pages see them: each folded from its own stream (`payer-{id}`,
// `provider-{id}`), with the requisites in force on the business date asked about.

interface Registered {
  municipality: string
  name: string
  requisites: RequisitesEntry[]
}

/** An organisation as its stream knows it, or undefined when the registry does not know it. */
export async function registeredOrganisation(app: Application, kind: OrganisationKind, id: string): Promise<Registered | undefined> {
  if (!entityId.safeParse(id).success) return undefined
  if (kind === 'payer') {
    const { state } = await app.aggregates.load(payerDecider, streams.payer(id))
    return state.payerId === null ? undefined : { municipality: state.municipality, name: state.name, requisites: state.requisites }
  }
  const { state } = await app.aggregates.load(providerDecider, streams.provider(id))
  if (state.providerId === null) return undefined
  // A provider registered before the registry kept requisites has no entry: it reads as one with none given.
  return { municipality: state.municipality, name: state.name, requisites: state.requisites }
}

/** The organisation with its requisites in force on a business date (YYYY-MM-DD). */
export async function organisationOn(app: Application, kind: OrganisationKind, id: string, onDate: IsoDate): Promise<Organisation | undefined> {
  const found = await registeredOrganisation(app, kind, id)
  if (!found) return undefined
  return { kind, id, name: found.name, requisites: requisitesOn(found.requisites, onDate) }
}

/** The `OrganisationLookup` documents and pages use: the registry's own answer, read from the log. */
export function organisationLookup(app: Application): OrganisationLookup {
  return (kind, id, onDate) => organisationOn(app, kind, id, onDate)
}
