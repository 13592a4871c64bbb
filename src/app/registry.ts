import type { DIRECTIONS, PROGRAMME_KINDS } from '../../events/index.ts'
import type { IsoDate, IsoMonth } from '../domain/dates.ts'
import type { Decider } from '../domain/decider.ts'
import { refuse } from '../domain/errors.ts'
import { groupDecider } from '../domain/group.ts'
import type { Kopecks } from '../domain/money.ts'
import { type MunicipalityCommand, municipalityDecider } from '../domain/municipality.ts'
import type { OrganisationKind, Requisites } from '../domain/organisation.ts'
import { payerDecider } from '../domain/payer.ts'
import { programmeDecider } from '../domain/programme.ts'
import { providerDecider } from '../domain/provider.ts'
import type { RequisitesPatch } from '../domain/requisites-timeline.ts'
import { type Application, type CommandContext, type CommandOutcome, idempotent, processIdFrom } from './context.ts'
import { Process } from './process.ts'
import { requireReach } from './scope.ts'
import { streams } from './streams.ts'

// Commands of the authorized body and the registry: periods, population, providers, programmes, groups.
// Each touches one stream; the idempotency key, when given, makes a retry return the first outcome.

async function single<C, S>(
  app: Application,
  ctx: CommandContext,
  name: string,
  body: unknown,
  decider: Decider<C, S>,
  streamId: string,
  command: C,
): Promise<CommandOutcome> {
  return idempotent(app, ctx, name, body, processIdFrom(name), async (processId) => {
    const step = await new Process(app, ctx, name, processId).step(decider, streamId, name, command, {
      expectedVersion: ctx.expectedVersion,
    })
    return { streamId, version: step.version }
  })
}

export type OpenPeriodInput = Omit<Extract<MunicipalityCommand, { type: 'OpenFinancingPeriod' }>, 'type'>

export const openFinancingPeriod = (app: Application, ctx: CommandContext, input: OpenPeriodInput) =>
  single(app, ctx, 'OpenFinancingPeriod', input, municipalityDecider, streams.municipality(input.municipality), {
    type: 'OpenFinancingPeriod' as const,
    ...input,
  })

export const recordPopulation = (app: Application, ctx: CommandContext, input: { municipality: string; year: number; children5to18: number }) =>
  single(app, ctx, 'RecordPopulation', input, municipalityDecider, streams.municipality(input.municipality), {
    type: 'RecordPopulation' as const,
    ...input,
  })

export interface RegisterProviderInput {
  providerId: string
  municipality: string
  name: string
  kind: 'municipal' | 'private' | 'individual-entrepreneur'
  /** Optional: a provider may be registered with its name alone and its requisites given later. */
  requisites?: Partial<Requisites>
}

export const registerProvider = (app: Application, ctx: CommandContext, input: RegisterProviderInput) =>
  single(app, ctx, 'RegisterProvider', input, providerDecider, streams.provider(input.providerId), {
    type: 'RegisterProvider' as const,
    ...input,
  })

export interface RegisterPayerInput {
  payerId: string
  municipality: string
  name: string
  requisites?: Partial<Requisites>
}

/** A payer joins the registry (a financing period may have named it already: the registry adds its name and requisites). */
export const registerPayer = (app: Application, ctx: CommandContext, input: RegisterPayerInput) =>
  single(app, ctx, 'RegisterPayer', input, payerDecider, streams.payer(input.payerId), {
    type: 'RegisterPayer' as const,
    ...input,
  })

export interface ChangeRequisitesInput {
  kind: OrganisationKind
  organisationId: string
  /** The day the change takes effect: documents of that day and later use the new requisites. */
  effectiveOn: IsoDate
  requisites: RequisitesPatch
}

/** A payer's or a provider's requisites change from a date (the fields given; null removes one). */
export async function changeRequisites(app: Application, ctx: CommandContext, input: ChangeRequisitesInput): Promise<CommandOutcome> {
  const command = { type: 'ChangeRequisites' as const, effectiveOn: input.effectiveOn, requisites: input.requisites }
  if (input.kind === 'payer') {
    const payer = await app.aggregates.load(payerDecider, streams.payer(input.organisationId))
    if (payer.state.payerId === null) refuse('payer_not_found', `no payer ${input.organisationId}`)
    return single(app, ctx, 'ChangeRequisites', input, payerDecider, streams.payer(input.organisationId), command)
  }
  const provider = await app.aggregates.load(providerDecider, streams.provider(input.organisationId))
  if (provider.state.providerId === null) refuse('provider_not_found', `no provider ${input.organisationId}`)
  return single(app, ctx, 'ChangeRequisites', input, providerDecider, streams.provider(input.organisationId), command)
}

export async function concludeAgreement(
  app: Application,
  ctx: CommandContext,
  input: { providerId: string; payerId: string; periodId: string; concludedOn: IsoDate },
): Promise<CommandOutcome> {
  const provider = await app.aggregates.load(providerDecider, streams.provider(input.providerId))
  if (provider.state.providerId === null) refuse('provider_not_found', `no provider ${input.providerId}`)
  requireReach(ctx.caller, { kind: 'payer', id: input.payerId })
  const municipality = await app.aggregates.load(municipalityDecider, streams.municipality(provider.state.municipality))
  const period = municipality.state.periods.get(input.periodId)
  if (!period) refuse('period_not_found', `municipality ${provider.state.municipality} has no financing period ${input.periodId}`)
  if (period!.payerId !== input.payerId) {
    refuse('no_agreement', `the payer of period ${input.periodId} is ${period!.payerId}, not ${input.payerId}`)
  }
  return single(app, ctx, 'ConcludeAgreement', input, providerDecider, streams.provider(input.providerId), {
    type: 'ConcludeAgreement' as const,
    payerId: input.payerId,
    periodId: input.periodId,
    municipality: provider.state.municipality,
    concludedOn: input.concludedOn,
  })
}

export interface RegisterProgrammeInput {
  programmeId: string
  providerId: string
  title: string
  direction: (typeof DIRECTIONS)[number]
  kind: (typeof PROGRAMME_KINDS)[number]
}

export async function registerProgramme(app: Application, ctx: CommandContext, input: RegisterProgrammeInput): Promise<CommandOutcome> {
  const provider = await app.aggregates.load(providerDecider, streams.provider(input.providerId))
  if (provider.state.providerId === null) refuse('provider_not_found', `no provider ${input.providerId}`)
  requireReach(ctx.caller, { kind: 'provider', id: input.providerId })
  return single(app, ctx, 'RegisterProgramme', input, programmeDecider, streams.programme(input.programmeId), {
    type: 'RegisterProgramme' as const,
    ...input,
    municipality: provider.state.municipality,
  })
}

export const recordQualityAssessment = (app: Application, ctx: CommandContext, input: { programmeId: string; score: number; assessedOn: IsoDate }) =>
  single(app, ctx, 'RecordQualityAssessment', input, programmeDecider, streams.programme(input.programmeId), {
    type: 'RecordQualityAssessment' as const,
    score: input.score,
    assessedOn: input.assessedOn,
  })

export interface OpenGroupInput {
  groupId: string
  programmeId: string
  startDate: IsoDate
  endDate: IsoDate
  price: Kopecks
  normativeCost: Kopecks
  capacity: number
}

export async function openGroup(app: Application, ctx: CommandContext, input: OpenGroupInput): Promise<CommandOutcome> {
  const programme = await app.aggregates.load(programmeDecider, streams.programme(input.programmeId))
  if (programme.state.programmeId === null) refuse('programme_not_found', `no programme ${input.programmeId}`)
  return single(app, ctx, 'OpenGroup', input, groupDecider, streams.group(input.groupId), {
    type: 'OpenGroup' as const,
    ...input,
    providerId: programme.state.providerId,
    municipality: programme.state.municipality,
  })
}

/** A provider claims less than the 80 % advance of a month from a payer (before the close that issues it). */
export async function claimAdvance(
  app: Application,
  ctx: CommandContext,
  input: { providerId: string; payerId: string; month: IsoMonth; percent: number; claimedOn: IsoDate },
) {
  requireReach(ctx.caller, { kind: 'provider', id: input.providerId })
  return idempotent(app, ctx, 'ClaimAdvance', input, processIdFrom('advance-claim'), async (processId) => {
    const p = new Process(app, ctx, 'advance-claim', processId)
    const step = await p.step(
      providerDecider,
      streams.provider(input.providerId),
      `claim`,
      {
        type: 'ClaimAdvance',
        payerId: input.payerId,
        month: input.month,
        percent: input.percent,
        claimedOn: input.claimedOn,
      },
      { expectedVersion: ctx.expectedVersion },
    )
    return { streamId: streams.provider(input.providerId), version: step.version }
  })
}
