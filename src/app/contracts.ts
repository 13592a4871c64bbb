import type { EventData } from '../../events/index.ts'
import { certificateDecider } from '../domain/certificate.ts'
import { type ContractState, contractDecider, monthsToWriteOff, planContractRequest } from '../domain/contract.ts'
import { addMonths, type IsoDate, type IsoMonth, monthOf } from '../domain/dates.ts'
import { DomainError, refuse } from '../domain/errors.ts'
import { groupDecider } from '../domain/group.ts'
import { invoiceIds } from '../domain/invoice.ts'
import { municipalityDecider } from '../domain/municipality.ts'
import { type Quote, quoteContract } from '../domain/pricing.ts'
import { programmeDecider } from '../domain/programme.ts'
import { providerDecider } from '../domain/provider.ts'
import { settlementDecider } from '../domain/settlement.ts'
import { WrongExpectedVersionError } from '../store/port.ts'
import { type Application, type CommandContext, type CommandOutcome, idempotent, processIdFrom } from './context.ts'
import { uuidFromName } from './ids.ts'
import { Process } from './process.ts'
import { requireReach } from './scope.ts'
import { streams } from './streams.ts'

// Enrolment: a contract request takes a place in the group (group stream), reserves the certificate's part
// (certificate stream) and records the contract with its quote (contract stream). The three steps are named
// after the contract id; run again after a crash at any point, the request finishes what is missing and
// repeats nothing. If the money cannot be reserved, the place is given back before the refusal is returned.

export interface ContractOutcome extends CommandOutcome {
  contractId: string
  status: ContractState['status']
  quote: Quote | null
}

export interface RequestContractInput {
  /** Chosen by the client (a UUID) or derived from the idempotency key; random when neither is given. */
  contractId?: string
  certificateNumber: string
  groupId: string
  requestedOn: IsoDate
  startDate: IsoDate
  endDate?: IsoDate
  /** The parent pays whatever the certificate cannot, even everything (no certificate money needed). */
  parentPaysAll?: boolean
}

async function outcome(app: Application, contractId: string): Promise<ContractOutcome> {
  const { state, version } = await app.aggregates.load(contractDecider, streams.contract(contractId))
  const r = state.request
  const quote = r ? { ...r.quote, start: r.startDate, end: r.endDate, schedule: r.schedule } : null
  return { streamId: streams.contract(contractId), version, contractId, status: state.status, quote }
}

async function loadRequired<S extends object>(
  app: Application,
  decider: Parameters<typeof app.aggregates.load<S>>[0],
  streamId: string,
  present: (s: S) => boolean,
  code: 'group_not_found' | 'programme_not_found' | 'provider_not_found' | 'certificate_not_found',
  what: string,
) {
  const loaded = await app.aggregates.load(decider, streamId)
  if (!present(loaded.state)) refuse(code, `no ${what}`)
  return loaded.state
}

export async function requestContract(app: Application, ctx: CommandContext, input: RequestContractInput): Promise<ContractOutcome> {
  const processIdFor = (key: string | null) => input.contractId ?? (key ? uuidFromName(`contract:${key}`) : crypto.randomUUID())
  return idempotent(app, ctx, 'RequestContract', input, processIdFor, async (contractId, isRetry) => {
    const p = new Process(app, ctx, 'contract-request', contractId)
    const existing = await app.aggregates.load(contractDecider, streams.contract(contractId))
    if (existing.state.status !== 'none') {
      if (isRetry || (existing.state.request!.certificateNumber === input.certificateNumber && existing.state.request!.groupId === input.groupId)) {
        return outcome(app, contractId)
      }
      refuse('contract_already_requested', `contract ${contractId} already exists`)
    }
    const e = await checkEnrolment(app, ctx, input, contractId)
    // With If-Match the caller names the contract stream's version it expects (no-stream for a new contract).
    if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== (existing.version ?? 'no_stream')) {
      throw new WrongExpectedVersionError(streams.contract(contractId), ctx.expectedVersion, existing.version)
    }
    await p.step(groupDecider, streams.group(input.groupId), `place`, {
      type: 'TakeGroupPlace',
      contractId,
      certificateNumber: input.certificateNumber,
      on: input.requestedOn,
    })
    const reserved = e.reserve ? await reserveOrGiveBack(p, input, e.reserve) : 0
    await p.step(contractDecider, streams.contract(contractId), `request`, {
      type: 'RecordContractRequest',
      request: contractRequested(input, contractId, e, reserved),
    })
    return outcome(app, contractId)
  })
}

/** What an enrolment is checked against, and the reservation it will ask of the certificate (none off financing). */
type Enrolment = Awaited<ReturnType<typeof checkEnrolment>>

/**
 * Every rule of the enrolment that can be checked before anything is written (domain.md, "Enrolment rules"), the
 * certificate's money included: a refusal here leaves no trace. The certificate decides again when it reserves, so only
 * a concurrent request spending the money in between leaves one (a place taken and given back).
 */
async function checkEnrolment(app: Application, ctx: CommandContext, input: RequestContractInput, contractId: string) {
  const group = await loadRequired(app, groupDecider, streams.group(input.groupId), (s) => s.groupId !== null, 'group_not_found', `group ${input.groupId}`)
  requireReach(ctx.caller, { kind: 'group', id: input.groupId, providerId: group.providerId })
  const programme = await loadRequired(
    app,
    programmeDecider,
    streams.programme(group.programmeId),
    (s) => s.programmeId !== null,
    'programme_not_found',
    `programme ${group.programmeId}`,
  )
  const provider = await loadRequired(
    app,
    providerDecider,
    streams.provider(group.providerId),
    (s) => s.providerId !== null,
    'provider_not_found',
    `provider ${group.providerId}`,
  )
  const certificate = await loadRequired(
    app,
    certificateDecider,
    streams.certificate(input.certificateNumber),
    (s) => s.number !== null,
    'certificate_not_found',
    `certificate ${input.certificateNumber}`,
  )
  const municipality = (await app.aggregates.load(municipalityDecider, streams.municipality(group.municipality))).state
  const plan = planContractRequest({ ...input, contractId }, { certificate, group, programme, provider, municipality })
  if ((await app.aggregates.recordedStep(groupDecider, streams.group(input.groupId), `${contractId}:abandon`)).length > 0) {
    refuse('request_abandoned', `request ${contractId} was abandoned earlier and its place given back; send a new request`)
  }
  const reserve =
    programme.kind === 'financing'
      ? {
          type: 'ReserveFunds' as const,
          contractId,
          periodId: plan.periodId,
          on: input.requestedOn,
          parentPaysAll: input.parentPaysAll ?? false,
          quote: {
            groupStart: group.startDate,
            groupEnd: group.endDate,
            start: input.startDate,
            end: plan.endDate,
            price: group.price,
            normative: group.normativeCost,
          },
        }
      : null
  if (reserve) certificateDecider.decide(reserve, certificate)
  return { group, programme, plan, reserve }
}

/** Reserves the certificate's part; refused (the money went meanwhile), the place is given back first. */
async function reserveOrGiveBack(p: Process, input: RequestContractInput, reserve: NonNullable<Enrolment['reserve']>) {
  const contractId = p.id
  try {
    const step = await p.step(certificateDecider, streams.certificate(input.certificateNumber), `reserve`, reserve)
    const e = step.events[0]
    return e?.type === 'CertificateFundsReserved' ? e.data.amount : 0
  } catch (error) {
    if (error instanceof DomainError) {
      await p.step(groupDecider, streams.group(input.groupId), `abandon`, {
        type: 'ReleaseGroupPlace',
        contractId,
        on: input.requestedOn,
        reason: 'request_abandoned',
      })
    }
    throw error
  }
}

/**
 * The contract as requested. The certificate decided how much it pays; the same formula with that amount as the
 * balance gives the same split, so the contract records exactly what was reserved.
 */
function contractRequested(input: RequestContractInput, contractId: string, e: Enrolment, reserved: number): EventData<'ContractRequested'> {
  const { group, programme, plan } = e
  const quote = quoteContract({
    groupStart: group.startDate,
    groupEnd: group.endDate,
    start: input.startDate,
    end: plan.endDate,
    price: group.price,
    normative: group.normativeCost,
    balance: reserved,
  })
  return {
    contractId,
    certificateNumber: input.certificateNumber,
    groupId: input.groupId,
    programmeId: group.programmeId,
    providerId: group.providerId,
    municipality: group.municipality,
    periodId: plan.periodId,
    payerId: plan.payerId,
    kind: programme.kind,
    direction: programme.direction,
    requestedOn: input.requestedOn,
    startDate: input.startDate,
    endDate: plan.endDate,
    quote: {
      days: quote.days,
      months: quote.months,
      all: quote.all,
      normative: quote.normative,
      certificate: quote.certificate,
      parent: quote.parent,
      certificateFirstMonth: quote.certificateFirstMonth,
      certificateOtherMonth: quote.certificateOtherMonth,
      parentFirstMonth: quote.parentFirstMonth,
      parentOtherMonth: quote.parentOtherMonth,
    },
    schedule: quote.schedule,
  }
}

/** A contract the caller reaches (another tenant's answers as if there were none). */
async function loadContract(app: Application, ctx: CommandContext, contractId: string) {
  const loaded = await app.aggregates.load(contractDecider, streams.contract(contractId))
  const r = loaded.state.request
  if (!r) refuse('contract_not_found', `no contract ${contractId}`)
  requireReach(ctx.caller, { kind: 'contract', id: contractId, providerId: r!.providerId, payerId: r!.payerId })
  return loaded
}

/** Where a lifecycle step already happened with other details, the second call is a conflict, not a success. */
function sameAsRecorded(
  recorded: Record<string, unknown>,
  given: Record<string, unknown>,
  code: 'contract_refused' | 'contract_not_running' | 'contract_closed',
  what: string,
) {
  for (const [k, v] of Object.entries(given)) {
    if (recorded[k] !== v) refuse(code, `the contract was already ${what} with ${k} ${JSON.stringify(recorded[k])}`)
  }
}

/**
 * The provider accepts a requested contract. A month's certificate amount moves from reserved to spent when the
 * month begins for the contract (domain.md, "Write-off"): the close of each month writes off the month after it,
 * and the acceptance the months no close will (its own month and earlier, each dated the day it begins for the
 * contract and never before the acceptance).
 */
export async function acceptContract(app: Application, ctx: CommandContext, input: { contractId: string; acceptedOn: IsoDate }): Promise<ContractOutcome> {
  await loadContract(app, ctx, input.contractId)
  const processId = `accept:${input.contractId}`
  return idempotent(
    app,
    ctx,
    'AcceptContract',
    { contractId: input.contractId, acceptedOn: input.acceptedOn },
    () => processId,
    async () => {
      const p = new Process(app, ctx, 'contract-accept', processId)
      const step = await p.step(
        contractDecider,
        streams.contract(input.contractId),
        `accept`,
        {
          type: 'AcceptContract',
          acceptedOn: input.acceptedOn,
        },
        { expectedVersion: ctx.expectedVersion },
      )
      if (step.alreadyDone) sameAsRecorded(step.events[0]!.data, { acceptedOn: input.acceptedOn }, 'contract_closed', 'accepted')
      const accepted = await app.aggregates.load(contractDecider, streams.contract(input.contractId))
      const r = accepted.state.request!
      const acceptedOn = accepted.state.acceptedOn!
      // The acceptance knows every month up to its own (a later start is written off on its start date), and the
      // month after the last closed one, whose close (which writes it off) has run already.
      const lastClosed = r.payerId ? (await app.aggregates.load(settlementDecider, streams.settlement(r.municipality))).state.lastClosed : null
      const upTo = lastClosed !== null && addMonths(lastClosed, 1) > monthOf(acceptedOn) ? addMonths(lastClosed, 1) : monthOf(acceptedOn)
      for (const w of monthsToWriteOff(accepted.state, upTo)) {
        await p.step(certificateDecider, streams.certificate(r.certificateNumber), `write-off:${w.month}`, {
          type: 'WriteOff',
          contractId: input.contractId,
          month: w.month,
          amount: w.amount,
          effectiveOn: w.effectiveOn,
        })
      }
      return outcome(app, input.contractId)
    },
  )
}

/** Refuses a requested contract: its reservation returns to the certificate and its place to the group. */
export async function refuseContract(
  app: Application,
  ctx: CommandContext,
  input: { contractId: string; refusedOn: IsoDate; by: 'provider' | 'system'; reason: string },
): Promise<ContractOutcome> {
  const { state } = await loadContract(app, ctx, input.contractId)
  const r = state.request!
  const processId = `refuse:${input.contractId}`
  return idempotent(
    app,
    ctx,
    'RefuseContract',
    { contractId: input.contractId, refusedOn: input.refusedOn, by: input.by, reason: input.reason },
    () => processId,
    async () => {
      const p = new Process(app, ctx, 'contract-refuse', processId)
      const step = await p.step(
        contractDecider,
        streams.contract(input.contractId),
        `refuse`,
        {
          type: 'RefuseContract',
          refusedOn: input.refusedOn,
          by: input.by,
          reason: input.reason,
        },
        { expectedVersion: ctx.expectedVersion },
      )
      await p.step(certificateDecider, streams.certificate(r.certificateNumber), `release`, {
        type: 'ReleaseReservation',
        contractId: input.contractId,
        on: (step.events[0]!.data as EventData<'ContractRefused'>).refusedOn,
        amount: 'all',
        reason: 'refused',
      })
      await p.step(groupDecider, streams.group(r.groupId), `place`, {
        type: 'ReleaseGroupPlace',
        contractId: input.contractId,
        on: input.refusedOn,
        reason: 'refused',
      })
      // The refusal's own steps are finished first; only then is a second refusal with other details a conflict.
      if (step.alreadyDone) sameAsRecorded(step.events[0]!.data, { refusedOn: input.refusedOn, reason: input.reason }, 'contract_refused', 'refused')
      return outcome(app, input.contractId)
    },
  )
}

/**
 * Terminates an accepted contract: the months after the termination month return to the certificate at once;
 * the termination month stays payable and the contract closes at its end (ContractClosed, by the month close).
 */
export async function terminateContract(
  app: Application,
  ctx: CommandContext,
  input: { contractId: string; terminatedOn: IsoDate; by: 'parent' | 'provider'; reason: string },
): Promise<ContractOutcome> {
  const { state } = await loadContract(app, ctx, input.contractId)
  const r = state.request!
  const processId = `terminate:${input.contractId}`
  return idempotent(
    app,
    ctx,
    'TerminateContract',
    { contractId: input.contractId, terminatedOn: input.terminatedOn, by: input.by, reason: input.reason },
    () => processId,
    async () => {
      const p = new Process(app, ctx, 'contract-terminate', processId)
      const step = await p.step(
        contractDecider,
        streams.contract(input.contractId),
        `terminate`,
        {
          type: 'TerminateContract',
          terminatedOn: input.terminatedOn,
          by: input.by,
          reason: input.reason,
        },
        { expectedVersion: ctx.expectedVersion },
      )
      const terminated = step.events[0]!.data as EventData<'ContractTerminated'>
      if (terminated.released > 0) {
        await p.step(certificateDecider, streams.certificate(r.certificateNumber), `release`, {
          type: 'ReleaseForTermination',
          contractId: input.contractId,
          on: terminated.terminatedOn,
          amount: terminated.released,
          lastMonth: terminated.lastMonth,
        })
      }
      if (step.alreadyDone) sameAsRecorded(terminated, { terminatedOn: input.terminatedOn, by: input.by }, 'contract_not_running', 'terminated')
      return outcome(app, input.contractId)
    },
  )
}

/** Closes a contract whose termination month or end date is over; its place in the group becomes free. */
export async function closeContract(app: Application, ctx: CommandContext, input: { contractId: string; closedOn: IsoDate }): Promise<ContractOutcome> {
  const { state } = await loadContract(app, ctx, input.contractId)
  const r = state.request!
  const processId = `close:${input.contractId}`
  return idempotent(
    app,
    ctx,
    'CloseContract',
    input,
    () => processId,
    async () => {
      const p = new Process(app, ctx, 'contract-close', processId)
      await p.step(
        contractDecider,
        streams.contract(input.contractId),
        `close`,
        {
          type: 'CloseContract',
          closedOn: input.closedOn,
        },
        { expectedVersion: ctx.expectedVersion },
      )
      await p.step(groupDecider, streams.group(r.groupId), `place`, {
        type: 'ReleaseGroupPlace',
        contractId: input.contractId,
        on: input.closedOn,
        reason: 'closed',
      })
      return outcome(app, input.contractId)
    },
  )
}

/**
 * Corrects a month that was closed and invoiced: a new completeness (lessons cancelled by the provider found
 * later, or a lower percentage), never a rewrite. The difference goes into the provider's next final invoice and
 * returns to the certificate once that invoice is paid in full.
 */
export async function correctMonth(
  app: Application,
  ctx: CommandContext,
  input: {
    contractId: string
    month: IsoMonth
    lessonsPlanned: number
    lessonsCancelledByProvider: number
    providerCompletenessBp: number | null
    reason: string
    correctedOn: IsoDate
  },
) {
  const contract = await loadContract(app, ctx, input.contractId)
  const r = contract.state.request
  const settled = contract.state.settled[input.month]
  if (!settled) refuse('month_not_settled', `${input.month} of contract ${input.contractId} is not closed yet: record its attendance instead`)
  const { contractId: _, ...rest } = input
  return idempotent(app, ctx, 'CorrectMonth', input, processIdFrom('correction'), async (correctionId) => {
    const p = new Process(app, ctx, 'correction', correctionId)
    const step = await p.step(
      contractDecider,
      streams.contract(input.contractId),
      `correct`,
      {
        type: 'CorrectMonth',
        ...rest,
        correctionId,
        correctsInvoiceId: invoiceIds.final(r!.municipality, settled!.payerId, settled!.providerId, settled!.invoiceMonth),
      },
      { expectedVersion: ctx.expectedVersion },
    )
    const e = step.events[0]!.data as EventData<'ContractMonthCorrected'>
    return {
      streamId: streams.contract(input.contractId),
      version: step.version,
      correctionId,
      difference: e.lineAmount - e.previousLineAmount,
      correctsInvoiceId: e.correctsInvoiceId,
    }
  })
}

/** Records a provider's attendance month for a contract; only the contract's provider may. */
export async function recordAttendance(
  app: Application,
  ctx: CommandContext,
  input: {
    contractId: string
    month: IsoMonth
    lessonsPlanned: number
    lessonsCancelledByProvider: number
    lessonsAttended: number
    providerCompletenessBp: number | null
    recordedOn: IsoDate
  },
) {
  await loadContract(app, ctx, input.contractId)
  const { contractId: _, ...attendance } = input
  return idempotent(app, ctx, 'RecordAttendance', input, processIdFrom('attendance'), async (processId) => {
    const p = new Process(app, ctx, 'attendance', processId)
    const step = await p.step(
      contractDecider,
      streams.contract(input.contractId),
      `attendance`,
      { type: 'RecordAttendance', ...attendance },
      {
        expectedVersion: ctx.expectedVersion,
      },
    )
    return { streamId: streams.contract(input.contractId), version: step.version }
  })
}
