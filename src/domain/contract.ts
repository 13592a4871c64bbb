import type { EventData } from '../../events/index.ts'
import { assertUsable, type CertificateState } from './certificate.ts'
import { addMonths, firstDayOfMonth, type IsoDate, type IsoMonth, lastDayOfMonth, maxDate, minDate, monthOf } from './dates.ts'
import { byCommand, type Decider, type Decisions, event } from './decider.ts'
import { refuse } from './errors.ts'
import type { GroupState } from './group.ts'
import type { Kopecks } from './money.ts'
import { type MunicipalityState, periodContaining } from './municipality.ts'
import { type Quote, QuoteInputError, quoteContract } from './pricing.ts'
import type { ProgrammeState } from './programme.ts'
import { agreementKey, type ProviderState } from './provider.ts'
import { settleMonth } from './settlement.ts'

/**
 * Stream `contract-{id}`: one enrolment from request to close. States: requested → accepted → (termination
 * pending) → closed, or refused. "Active" is an accepted contract from its start date; month close decides it.
 */
type ContractStatus = 'none' | 'requested' | 'accepted' | 'terminated' | 'closed' | 'refused'

export interface ContractState {
  status: ContractStatus
  request: EventData<'ContractRequested'> | null
  acceptedOn: IsoDate | null
  terminatedOn: IsoDate | null
  lastMonth: IsoMonth | null
  closesOn: IsoDate | null
  /** The latest attendance recorded per month. */
  attendance: Record<IsoMonth, EventData<'AttendanceRecorded'>>
  /** Months the close has settled: their attendance is final (lineAmount follows corrections). */
  settled: Record<IsoMonth, EventData<'ContractMonthSettled'>>
  /** Corrections by id, and whether a final invoice carries them yet. */
  corrections: Record<string, EventData<'ContractMonthCorrected'> & { invoiced: boolean }>
}

export type ContractCommand =
  | { type: 'RecordContractRequest'; request: EventData<'ContractRequested'> }
  | { type: 'AcceptContract'; acceptedOn: IsoDate }
  | { type: 'RefuseContract'; refusedOn: IsoDate; by: 'provider' | 'system'; reason: string }
  | { type: 'TerminateContract'; terminatedOn: IsoDate; by: 'parent' | 'provider'; reason: string }
  | { type: 'CloseContract'; closedOn: IsoDate }
  | {
      type: 'RecordAttendance'
      month: IsoMonth
      lessonsPlanned: number
      lessonsCancelledByProvider: number
      lessonsAttended: number
      providerCompletenessBp: number | null
      recordedOn: IsoDate
    }
  | { type: 'SettleMonth'; month: IsoMonth; invoiceMonth: IsoMonth; settledOn: IsoDate }
  | {
      type: 'CorrectMonth'
      month: IsoMonth
      correctionId: string
      correctsInvoiceId: string
      lessonsPlanned: number
      lessonsCancelledByProvider: number
      providerCompletenessBp: number | null
      reason: string
      correctedOn: IsoDate
    }
  | { type: 'MarkCorrectionInvoiced'; correctionId: string; invoiceId: string; invoicedOn: IsoDate }

function requested(state: ContractState): EventData<'ContractRequested'> {
  return state.request ?? refuse('contract_not_found', 'no such contract')
}

/**
 * The months a contract is paid for: the months of its schedule once accepted, up to the termination month if it
 * was terminated (none if terminated before its start).
 */
export function payableMonths(state: ContractState): IsoMonth[] {
  const r = state.request
  if (!r || !['accepted', 'terminated', 'closed'].includes(state.status)) return []
  return r.schedule.map((m) => m.month).filter((m) => state.lastMonth === null || m <= state.lastMonth)
}

/**
 * The day a month begins for the contract, when its certificate amount is written off (domain.md: "at the start of
 * the month, the first month at activation"): the 1st, or the start date in the contract's first month; never
 * before the provider accepted the contract.
 */
function monthBeginsOn(request: EventData<'ContractRequested'>, acceptedOn: IsoDate, month: IsoMonth): IsoDate {
  const start = month === monthOf(request.startDate) ? request.startDate : firstDayOfMonth(month)
  return maxDate(start, acceptedOn)
}

/**
 * The payable months to write off by `month`'s end together with the month after it (the close of `month` writes
 * off the next month, which begins right after), with the day each begins.
 */
export function monthsToWriteOff(state: ContractState, upTo: IsoMonth): { month: IsoMonth; amount: Kopecks; effectiveOn: IsoDate }[] {
  const r = state.request
  if (!r || state.acceptedOn === null || r.kind !== 'financing' || !r.payerId) return []
  return payableMonths(state)
    .filter((m) => m <= upTo)
    .map((m) => ({ month: m, amount: r.schedule.find((s) => s.month === m)!.certificate, effectiveOn: monthBeginsOn(r, state.acceptedOn!, m) }))
    .filter((w) => w.amount > 0)
}

/** What the certificate pays for the months after `month`: released at once on termination. */
function certificateAmountAfter(request: EventData<'ContractRequested'>, month: IsoMonth): Kopecks {
  return request.schedule.filter((s) => s.month > month).reduce((sum, s) => sum + s.certificate, 0)
}

const decisions: Decisions<ContractCommand, ContractState> = {
  RecordContractRequest(command, state) {
    if (state.status !== 'none') return refuse('contract_already_requested', `contract ${command.request.contractId} already exists`)
    return [event('ContractRequested', command.request)]
  },
  AcceptContract(command, state) {
    const r = requested(state)
    if (state.status === 'refused') return refuse('contract_refused', `contract ${r.contractId} was refused`)
    if (state.status !== 'requested') return refuse('contract_already_accepted', `contract ${r.contractId} is already ${state.status}`)
    if (command.acceptedOn < r.requestedOn) return refuse('acceptance_date_invalid', `acceptance ${command.acceptedOn} precedes the request ${r.requestedOn}`)
    return [event('ContractAccepted', { contractId: r.contractId, certificateNumber: r.certificateNumber, acceptedOn: command.acceptedOn })]
  },
  RefuseContract(command, state) {
    const r = requested(state)
    if (state.status !== 'requested') return refuse('contract_not_requested', `only a requested contract can be refused; ${r.contractId} is ${state.status}`)
    return [
      event('ContractRefused', {
        contractId: r.contractId,
        certificateNumber: r.certificateNumber,
        refusedOn: command.refusedOn,
        by: command.by,
        reason: command.reason,
        released: r.quote.certificate,
      }),
    ]
  },
  TerminateContract(command, state) {
    const r = requested(state)
    if (state.status !== 'accepted') return refuse('contract_not_running', `only an accepted contract can be terminated; ${r.contractId} is ${state.status}`)
    if (command.terminatedOn > r.endDate) {
      return refuse('termination_date_invalid', `the contract ends on ${r.endDate}; it cannot be terminated on ${command.terminatedOn}`)
    }
    if (command.terminatedOn < r.requestedOn) {
      return refuse('termination_date_invalid', `the termination date ${command.terminatedOn} precedes the request ${r.requestedOn}`)
    }
    const settledAfter = Object.keys(state.settled).filter((m) => m > monthOf(command.terminatedOn))
    if (settledAfter.length > 0) {
      return refuse('termination_date_invalid', `${settledAfter.sort()[0]} is already closed and invoiced; terminate from then on, and correct earlier months`)
    }
    // Before the start nothing is payable: everything returns and the contract closes that day.
    const beforeStart = command.terminatedOn < r.startDate
    const lastMonth = beforeStart ? addMonths(monthOf(r.startDate), -1) : monthOf(command.terminatedOn)
    const closesOn = beforeStart ? command.terminatedOn : minDate(lastDayOfMonth(lastMonth), r.endDate)
    return [
      event('ContractTerminated', {
        contractId: r.contractId,
        certificateNumber: r.certificateNumber,
        terminatedOn: command.terminatedOn,
        by: command.by,
        reason: command.reason,
        lastMonth,
        closesOn,
        released: certificateAmountAfter(r, lastMonth),
      }),
    ]
  },
  CloseContract(command, state) {
    const r = requested(state)
    if (state.status === 'terminated') {
      if (command.closedOn < state.closesOn!) {
        return refuse('contract_not_running', `contract ${r.contractId} closes on ${state.closesOn}, not before`)
      }
      return [event('ContractClosed', { contractId: r.contractId, certificateNumber: r.certificateNumber, closedOn: command.closedOn, reason: 'terminated' })]
    }
    if (state.status === 'accepted') {
      if (command.closedOn < r.endDate) return refuse('contract_not_running', `contract ${r.contractId} runs until ${r.endDate}`)
      return [event('ContractClosed', { contractId: r.contractId, certificateNumber: r.certificateNumber, closedOn: command.closedOn, reason: 'ended' })]
    }
    if (state.status === 'closed') return []
    return refuse('contract_not_running', `contract ${r.contractId} is ${state.status} and cannot be closed`)
  },
  RecordAttendance(command, state) {
    const r = requested(state)
    const { type: _, ...data } = command
    if (!payableMonths(state).includes(command.month)) {
      return refuse('month_outside_contract', `contract ${r.contractId} is not running in ${command.month}`)
    }
    if (state.settled[command.month]) {
      return refuse('attendance_closed', `${command.month} of contract ${r.contractId} is settled and invoiced; correct it with a correction`)
    }
    if (command.lessonsCancelledByProvider > command.lessonsPlanned || command.lessonsAttended > command.lessonsPlanned - command.lessonsCancelledByProvider) {
      return refuse('attendance_invalid', 'cancelled lessons cannot exceed planned ones, nor attended ones the lessons held')
    }
    return [event('AttendanceRecorded', { contractId: r.contractId, certificateNumber: r.certificateNumber, ...data })]
  },
  SettleMonth(command, state) {
    const r = requested(state)
    if (state.settled[command.month]) return []
    if (!payableMonths(state).includes(command.month)) return refuse('month_outside_contract', `contract ${r.contractId} is not running in ${command.month}`)
    const monthAmount = r.schedule.find((m) => m.month === command.month)!.certificate
    const a = state.attendance[command.month] ?? null
    const { completenessBp, lineAmount } = settleMonth(monthAmount, a)
    return [
      event('ContractMonthSettled', {
        contractId: r.contractId,
        certificateNumber: r.certificateNumber,
        payerId: r.payerId!,
        providerId: r.providerId,
        month: command.month,
        invoiceMonth: command.invoiceMonth,
        monthAmount,
        completenessBp,
        lineAmount,
        settledOn: command.settledOn,
      }),
    ]
  },
  CorrectMonth(command, state) {
    const r = requested(state)
    const settled = state.settled[command.month]
    if (!settled) return refuse('month_not_settled', `${command.month} of contract ${r.contractId} is not closed yet: record its attendance instead`)
    if (command.lessonsCancelledByProvider > command.lessonsPlanned) return refuse('attendance_invalid', 'cancelled lessons cannot exceed planned ones')
    const { completenessBp, lineAmount } = settleMonth(settled.monthAmount, {
      lessonsPlanned: command.lessonsPlanned,
      lessonsCancelledByProvider: command.lessonsCancelledByProvider,
      providerCompletenessBp: command.providerCompletenessBp,
    })
    if (lineAmount === settled.lineAmount) return refuse('correction_changes_nothing', `the line of ${command.month} stays ${settled.lineAmount} kopecks`)
    if (lineAmount > settled.lineAmount) {
      return refuse(
        'correction_raises_line',
        'a correction may lower what a closed month earns, not raise it (the certificate may have spent the difference since)',
      )
    }
    return [
      event('ContractMonthCorrected', {
        contractId: r.contractId,
        certificateNumber: r.certificateNumber,
        payerId: settled.payerId,
        providerId: settled.providerId,
        month: command.month,
        correctionId: command.correctionId,
        correctsInvoiceId: command.correctsInvoiceId,
        previousLineAmount: settled.lineAmount,
        completenessBp,
        lineAmount,
        reason: command.reason,
        correctedOn: command.correctedOn,
      }),
    ]
  },
  MarkCorrectionInvoiced(command, state) {
    const r = requested(state)
    const c = state.corrections[command.correctionId]
    if (!c || c.invoiced) return []
    return [
      event('ContractCorrectionInvoiced', {
        contractId: r.contractId,
        certificateNumber: r.certificateNumber,
        correctionId: command.correctionId,
        invoiceId: command.invoiceId,
        invoicedOn: command.invoicedOn,
      }),
    ]
  },
}

export const contractDecider: Decider<ContractCommand, ContractState> = {
  initialState: () => ({
    status: 'none',
    request: null,
    acceptedOn: null,
    terminatedOn: null,
    lastMonth: null,
    closesOn: null,
    attendance: {},
    settled: {},
    corrections: {},
  }),
  evolve(state, e) {
    switch (e.type) {
      case 'ContractRequested':
        return { ...state, status: 'requested', request: e.data }
      case 'ContractAccepted':
        return { ...state, status: 'accepted', acceptedOn: e.data.acceptedOn }
      case 'ContractRefused':
        return { ...state, status: 'refused' }
      case 'ContractTerminated':
        return { ...state, status: 'terminated', terminatedOn: e.data.terminatedOn, lastMonth: e.data.lastMonth, closesOn: e.data.closesOn }
      case 'ContractClosed':
        return { ...state, status: 'closed' }
      case 'AttendanceRecorded':
        return { ...state, attendance: { ...state.attendance, [e.data.month]: e.data } }
      case 'ContractMonthSettled':
        return { ...state, settled: { ...state.settled, [e.data.month]: e.data } }
      case 'ContractMonthCorrected': {
        const settled = state.settled[e.data.month]!
        return {
          ...state,
          settled: { ...state.settled, [e.data.month]: { ...settled, completenessBp: e.data.completenessBp, lineAmount: e.data.lineAmount } },
          corrections: { ...state.corrections, [e.data.correctionId]: { ...e.data, invoiced: false } },
        }
      }
      case 'ContractCorrectionInvoiced': {
        const c = state.corrections[e.data.correctionId]
        return c ? { ...state, corrections: { ...state.corrections, [e.data.correctionId]: { ...c, invoiced: true } } } : state
      }
      default:
        return state
    }
  },
  decide: byCommand(decisions),
}

export interface ContractRequestInput {
  contractId: string
  certificateNumber: string
  groupId: string
  requestedOn: IsoDate
  startDate: IsoDate
  /** Optional earlier end; default min(group end, period end). */
  endDate?: IsoDate
}

export interface ContractRequestPlan {
  periodId: string
  payerId: string | null
  endDate: IsoDate
  /** The quote with the certificate's current balance; the certificate decides the final figure. */
  preliminary: Quote
}

/**
 * Every rule of an enrolment that can be checked before anything is written, from the states of the streams
 * involved (domain.md, "Enrolment rules"). The group and the certificate decide capacity and money again,
 * authoritatively, when the place is taken and the money reserved.
 */
export function planContractRequest(
  input: ContractRequestInput,
  ctx: { certificate: CertificateState; group: GroupState; programme: ProgrammeState; provider: ProviderState; municipality: MunicipalityState },
): ContractRequestPlan {
  const { certificate, group, programme, provider, municipality } = ctx
  assertUsable(certificate)
  if (certificate.municipality !== group.municipality) {
    refuse('wrong_municipality', `certificate ${certificate.number} belongs to ${certificate.municipality}, the group to ${group.municipality}`)
  }
  if (programme.kind === 'financing' && !programme.certified) {
    refuse('programme_not_certified', `programme ${programme.programmeId} has not passed the quality assessment (${CERTIFIED_TEXT})`)
  }
  if (input.startDate < group.startDate || input.startDate > group.endDate) {
    refuse('start_outside_group', `the start ${input.startDate} is outside the group period ${group.startDate}..${group.endDate}`)
  }
  if (input.startDate < firstDayOfMonth(monthOf(input.requestedOn))) {
    refuse('backdated_request', `a request made on ${input.requestedOn} cannot start in an earlier month (${input.startDate})`)
  }
  const period = periodContaining(municipality, input.startDate)
  if (!period) refuse('start_outside_period', `no financing period of ${group.municipality} contains the start ${input.startDate}`)
  const p = period!
  if (programme.kind === 'financing' && !provider.agreements.has(agreementKey(p.payerId, p.periodId))) {
    refuse('no_agreement', `provider ${provider.providerId} has no agreement with payer ${p.payerId} for period ${p.periodId}`)
  }
  const latestEnd = minDate(group.endDate, p.endDate)
  const endDate = input.endDate ?? latestEnd
  if (endDate > latestEnd) refuse('end_outside_group', `the contract cannot end after ${latestEnd} (group end or period end)`)
  if (endDate < input.startDate) refuse('end_outside_group', `the end ${endDate} precedes the start ${input.startDate}`)
  let preliminary: Quote
  try {
    preliminary = quoteContract({
      groupStart: group.startDate,
      groupEnd: group.endDate,
      start: input.startDate,
      end: endDate,
      price: group.price,
      normative: group.normativeCost,
      balance: 0,
    })
  } catch (error) {
    if (error instanceof QuoteInputError) refuse('start_outside_group', error.message)
    throw error
  }
  return { periodId: p.periodId, payerId: programme.kind === 'financing' ? p.payerId : null, endDate, preliminary: preliminary! }
}

const CERTIFIED_TEXT = 'at least 30 points'
