import { entityId } from '../../events/index.ts'
import type { Caller } from '../auth/tokens.ts'
import type { IsoDate } from '../domain/dates.ts'
import { refuse } from '../domain/errors.ts'
import { missingRequisites, type Organisation, type OrganisationKind, type OrganisationLookup, type Requisites } from '../domain/organisation.ts'
import { payerDecider } from '../domain/payer.ts'
import { providerDecider } from '../domain/provider.ts'
import { latestRequisites, type RequisitesEntry, requisitesOn } from '../domain/requisites-timeline.ts'
import type { Application } from './context.ts'
import { requireOrganisationReach } from './scope.ts'
import { streams } from './streams.ts'

// The registry's organisations as documents and pages see them: each folded from its own stream (`payer-{id}`,
// `provider-{id}`), with the requisites in force on the business date asked about.

interface Registered {
  municipality: string
  name: string
  requisites: RequisitesEntry[]
}

/** An organisation as its stream knows it, or undefined when the registry does not know it. */
async function registeredOrganisation(app: Application, kind: OrganisationKind, id: string): Promise<Registered | undefined> {
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

export interface OrganisationCard {
  kind: OrganisationKind
  id: string
  municipality: string
  name: string
  /** The business date the requisites are in force on; null: the latest recorded. */
  on: IsoDate | null
  requisites: Partial<Requisites>
  /** What a payment document needs that is not given. */
  missing: (keyof Requisites)[]
}

/** An organisation's registry card for a caller (another tenant's answers as missing), as of a date or the latest. */
export async function organisationCard(
  app: Application,
  caller: Caller | null,
  kind: OrganisationKind,
  id: string,
  on: IsoDate | null,
): Promise<OrganisationCard> {
  requireOrganisationReach(caller, kind, id)
  const found = await registeredOrganisation(app, kind, id)
  if (!found) return refuse(kind === 'payer' ? 'payer_not_found' : 'provider_not_found', `no ${kind} ${id} in the registry`)
  const requisites = on === null ? latestRequisites(found.requisites) : requisitesOn(found.requisites, on)
  const organisation: Organisation = { kind, id, name: found.name, requisites }
  return { kind, id, municipality: found.municipality, name: found.name, on, requisites, missing: missingRequisites(organisation) }
}

/**
 * Why a token may not act for a payer or a provider, or null when it may: the ledger must know it — registered, or,
 * a payer only, named by a financing period (periods may name a payer before it is registered, as they always could;
 * `periodsName` answers that from wherever the caller reads periods). A typo would otherwise make a token that sees
 * nothing at all.
 */
export async function unknownOrganisation(
  app: Application,
  kind: OrganisationKind,
  id: string,
  periodsName: (payerId: string) => Promise<boolean>,
): Promise<string | null> {
  if (await registeredOrganisation(app, kind, id)) return null
  if (kind === 'payer')
    return (await periodsName(id)) ? null : `no payer ${id}: neither registered (POST /v1/payers, ledger import payers) nor named by a financing period`
  return `no provider ${id} in the registry (POST /v1/providers, ledger import providers)`
}
