import type { EventData } from '../../events/index.ts'
import { certificateDecider } from '../domain/certificate.ts'
import { contractDecider, monthsToWriteOff, planContractRequest, type ContractState } from '../domain/contract.ts'
import { addMonths, type IsoDate, monthOf } from '../domain/dates.ts'
import { settlementDecider } from '../domain/settlement.ts'
import { DomainError, refuse } from '../domain/errors.ts'
import { groupDecider } from '../domain/group.ts'
import { municipalityDecider } from '../domain/municipality.ts'
import { quoteContract, type Quote } from '../domain/pricing.ts'
import { programmeDecider } from '../domain/programme.ts'
import { providerDecider } from '../domain/provider.ts'
import { type Application, type CommandContext, type CommandOutcome, idempotent } from './context.ts'
import { uuidFromName } from './ids.ts'
import { WrongExpectedVersionError } from '../store/port.ts'
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

async function loadRequired<S extends object>(app: Application, decider: Parameters<typeof app.aggregates.load<S>>[0], streamId: string, present: (s: S) => boolean, code: 'group_not_found' | 'programme_not_found' | 'provider_not_found' | 'certificate_not_found', what: string) {
  const loaded = await app.aggregates.load(decider, streamId)
  if (!present(loaded.state)) refuse(code, `no ${what}`)
  return loaded.state
}

export async function requestContract(app: Application, ctx: CommandContext, input: RequestContractInput): Promise<ContractOutcome> {
  const processIdFor = (key: string | null) => input.contractId ?? (key ? uuidFromName(`contract:${key}`) : crypto.randomUUID())
  return idempotent(app, ctx, 'RequestContract', input, processIdFor, async (contractId, isRetry) => {
    const existing = await app.aggregates.load(contractDecider, streams.contract(contractId))
    if (existing.state.status !== 'none') {
      if (isRetry || (existing.state.request!.certificateNumber === input.certificateNumber && existing.state.request!.groupId === input.groupId)) {
        return outcome(app, contractId)
      }
      refuse('contract_already_requested', `contract ${contractId} already exists`)
    }
    const group = await loadRequired(app, groupDecider, streams.group(input.groupId), (s) => s.groupId !== null, 'group_not_found', `group ${input.groupId}`)
    requireReach(ctx.caller, { kind: 'group', id: input.groupId, providerId: group.providerId })
    const programme = await loadRequired(app, programmeDecider, streams.programme(group.programmeId), (s) => s.programmeId !== null, 'programme_not_found', `programme ${group.programmeId}`)
    const provider = await loadRequired(app, providerDecider, streams.provider(group.providerId), (s) => s.providerId !== null, 'provider_not_found', `provider ${group.providerId}`)
    const certificate = await loadRequired(app, certificateDecider, streams.certificate(input.certificateNumber), (s) => s.number !== null, 'certificate_not_found', `certificate ${input.certificateNumber}`)
    const municipality = (await app.aggregates.load(municipalityDecider, streams.municipality(group.municipality))).state
    const plan = planContractRequest({ ...input, contractId }, { certificate, group, programme, provider, municipality })

    if ((await app.aggregates.recordedStep(groupDecider, streams.group(input.groupId), `${contractId}:abandon`)).length > 0) {
      refuse('request_abandoned', `request ${contractId} was abandoned earlier and its place given back; send a new request`)
    }
    // The certificate's money is checked before the place is taken, so a refusal leaves no trace (the certificate
    // decides again when it reserves: only a concurrent request spending the money in between leaves one).
    const reserve = programme.kind === 'financing'
      ? {
          type: 'ReserveFunds' as const, contractId, periodId: plan.periodId, on: input.requestedOn, parentPaysAll: input.parentPaysAll ?? false,
          quote: { groupStart: group.startDate, groupEnd: group.endDate, start: input.startDate, end: plan.endDate, price: group.price, normative: group.normativeCost },
        }
      : null
    if (reserve) certificateDecider.decide(reserve, certificate)
    // With If-Match the caller names the contract stream's version it expects (no-stream for a new contract).
    if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== (existing.version ?? 'no_stream')) {
      throw new WrongExpectedVersionError(streams.contract(contractId), ctx.expectedVersion, existing.version)
    }
    await app.aggregates.runStep(groupDecider, streams.group(input.groupId), `${contractId}:place`, {
      type: 'TakePlace', contractId, certificateNumber: input.certificateNumber, on: input.requestedOn,
    }, ctx.metadata)
    app.faults('contract-request:place-taken')

    let reserved = 0
    if (reserve) {
      try {
        const step = await app.aggregates.runStep(certificateDecider, streams.certificate(input.certificateNumber), `${contractId}:reserve`, reserve, ctx.metadata)
        const e = step.events[0]
        reserved = e?.type === 'CertificateFundsReserved' ? e.data.amount : 0
      } catch (error) {
        if (error instanceof DomainError) {
          await app.aggregates.runStep(groupDecider, streams.group(input.groupId), `${contractId}:abandon`, {
            type: 'ReleasePlace', contractId, on: input.requestedOn, reason: 'request_abandoned',
          }, ctx.metadata)
        }
        throw error
      }
    }
    app.faults('contract-request:funds-reserved')

    // The certificate decided how much it pays; the same formula with that amount as the balance gives the
    // same split, so the contract records exactly what was reserved.
    const quote = quoteContract({
      groupStart: group.startDate, groupEnd: group.endDate, start: input.startDate, end: plan.endDate, price: group.price, normative: group.normativeCost, balance: reserved,
    })
    const request: EventData<'ContractRequested'> = {
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
        days: quote.days, months: quote.months, all: quote.all, normative: quote.normative, certificate: quote.certificate, parent: quote.parent,
        certificateFirstMonth: quote.certificateFirstMonth, certificateOtherMonth: quote.certificateOtherMonth,
        parentFirstMonth: quote.parentFirstMonth, parentOtherMonth: quote.parentOtherMonth,
      },
      schedule: quote.schedule,
    }
    await app.aggregates.runStep(contractDecider, streams.contract(contractId), `${contractId}:request`, { type: 'RecordContractRequest', request }, ctx.metadata)
    return outcome(app, contractId)
  })
}

/** A contract the caller reaches (another tenant's answers as if there were none). */
export async function loadContract(app: Application, ctx: CommandContext, contractId: string) {
  const loaded = await app.aggregates.load(contractDecider, streams.contract(contractId))
  const r = loaded.state.request
  if (!r) refuse('contract_not_found', `no contract ${contractId}`)
  requireReach(ctx.caller, { kind: 'contract', id: contractId, providerId: r!.providerId, payerId: r!.payerId })
  return loaded
}

/** Where a lifecycle step already happened with other details, the second call is a conflict, not a success. */
function sameAsRecorded(recorded: Record<string, unknown>, given: Record<string, unknown>, code: 'contract_refused' | 'contract_not_running' | 'contract_closed', what: string) {
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
  return idempotent(app, ctx, 'AcceptContract', { contractId: input.contractId, acceptedOn: input.acceptedOn }, () => processId, async () => {
    const step = await app.aggregates.runStep(contractDecider, streams.contract(input.contractId), `${processId}:accept`, {
      type: 'AcceptContract', acceptedOn: input.acceptedOn,
    }, ctx.metadata, { expectedVersion: ctx.expectedVersion })
    if (step.alreadyDone) sameAsRecorded(step.events[0]!.data, { acceptedOn: input.acceptedOn }, 'contract_closed', 'accepted')
    app.faults('contract-accept:accepted')
    const accepted = await app.aggregates.load(contractDecider, streams.contract(input.contractId))
    const r = accepted.state.request!
    const acceptedOn = accepted.state.acceptedOn!
    // The acceptance knows every month up to its own (a later start is written off on its start date), and the
    // month after the last closed one, whose close (which writes it off) has run already.
    const lastClosed = r.payerId ? (await app.aggregates.load(settlementDecider, streams.settlement(r.municipality))).state.lastClosed : null
    const upTo = lastClosed !== null && addMonths(lastClosed, 1) > monthOf(acceptedOn) ? addMonths(lastClosed, 1) : monthOf(acceptedOn)
    for (const w of monthsToWriteOff(accepted.state, upTo)) {
      await app.aggregates.runStep(certificateDecider, streams.certificate(r.certificateNumber), `${processId}:write-off:${w.month}`, {
        type: 'WriteOff', contractId: input.contractId, month: w.month, amount: w.amount, effectiveOn: w.effectiveOn,
      }, ctx.metadata)
    }
    return outcome(app, input.contractId)
  })
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
  return idempotent(app, ctx, 'RefuseContract', { contractId: input.contractId, refusedOn: input.refusedOn, by: input.by, reason: input.reason }, () => processId, async () => {
    const step = await app.aggregates.runStep(contractDecider, streams.contract(input.contractId), `${processId}:refuse`, {
      type: 'RefuseContract', refusedOn: input.refusedOn, by: input.by, reason: input.reason,
    }, ctx.metadata, { expectedVersion: ctx.expectedVersion })
    app.faults('contract-refuse:refused')
    await app.aggregates.runStep(certificateDecider, streams.certificate(r.certificateNumber), `${processId}:release`, {
      type: 'ReleaseReservation', contractId: input.contractId, on: (step.events[0]!.data as EventData<'ContractRefused'>).refusedOn, amount: 'all', reason: 'refused',
    }, ctx.metadata)
    await app.aggregates.runStep(groupDecider, streams.group(r.groupId), `${processId}:place`, {
      type: 'ReleasePlace', contractId: input.contractId, on: input.refusedOn, reason: 'refused',
    }, ctx.metadata)
    // The refusal's own steps are finished first; only then is a second refusal with other details a conflict.
    if (step.alreadyDone) sameAsRecorded(step.events[0]!.data, { refusedOn: input.refusedOn, reason: input.reason }, 'contract_refused', 'refused')
    return outcome(app, input.contractId)
  })
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
  return idempotent(app, ctx, 'TerminateContract', { contractId: input.contractId, terminatedOn: input.terminatedOn, by: input.by, reason: input.reason }, () => processId, async () => {
    const step = await app.aggregates.runStep(contractDecider, streams.contract(input.contractId), `${processId}:terminate`, {
      type: 'TerminateContract', terminatedOn: input.terminatedOn, by: input.by, reason: input.reason,
    }, ctx.metadata, { expectedVersion: ctx.expectedVersion })
    const terminated = step.events[0]!.data as EventData<'ContractTerminated'>
    app.faults('contract-terminate:terminated')
    if (terminated.released > 0) {
      await app.aggregates.runStep(certificateDecider, streams.certificate(r.certificateNumber), `${processId}:release`, {
        type: 'ReleaseForTermination', contractId: input.contractId, on: terminated.terminatedOn, amount: terminated.released, lastMonth: terminated.lastMonth,
      }, ctx.metadata)
    }
    if (step.alreadyDone) sameAsRecorded(terminated, { terminatedOn: input.terminatedOn, by: input.by }, 'contract_not_running', 'terminated')
    return outcome(app, input.contractId)
  })
}

/** Closes a contract whose termination month or end date is over; its place in the group becomes free. */
export async function closeContract(app: Application, ctx: CommandContext, input: { contractId: string; closedOn: IsoDate }): Promise<ContractOutcome> {
  const { state } = await loadContract(app, ctx, input.contractId)
  const r = state.request!
  const processId = `close:${input.contractId}`
  return idempotent(app, ctx, 'CloseContract', input, () => processId, async () => {
    await app.aggregates.runStep(contractDecider, streams.contract(input.contractId), `${processId}:close`, {
      type: 'CloseContract', closedOn: input.closedOn,
    }, ctx.metadata, { expectedVersion: ctx.expectedVersion })
    await app.aggregates.runStep(groupDecider, streams.group(r.groupId), `${processId}:place`, {
      type: 'ReleasePlace', contractId: input.contractId, on: input.closedOn, reason: 'closed',
    }, ctx.metadata)
    return outcome(app, input.contractId)
  })
}
