import { ageOn, type IsoDate, type IsoMonth } from './dates.ts'
import { byCommand, type Decider, type Decisions, event } from './decider.ts'
import { refuse } from './errors.ts'
import type { Kopecks } from './money.ts'
import { type QuoteInput, quoteContract } from './pricing.ts'

/**
 * Stream `certificate-{number}`: the certificate's lifecycle and, per financing period, its money. The balance
 * invariant `balance = nominal − reserved − spent ≥ 0` is decided here, in one stream, so concurrent
 * contract requests can never overdraw a certificate.
 */
export interface PeriodMoney {
  nominal: Kopecks
  reserved: Kopecks
  spent: Kopecks
}

interface CertificateContract {
  periodId: string
  /** Still reserved for the contract: reserved − released − written off. */
  reserved: Kopecks
  /** Months written off (and not returned), with the amount and the day each began; so none is written off twice. */
  writtenOff: Map<IsoMonth, { amount: Kopecks; effectiveOn: IsoDate }>
  /** Refunds made (`invoiceId|month|correctionId`), so none happens twice. */
  refunds: Set<string>
  /** Set by a termination: the last payable month; no later month is written off. */
  lastMonth: IsoMonth | null
}

export interface CertificateState {
  number: string | null
  municipality: string
  birthDate: IsoDate
  issuedOn: IsoDate
  requestedType: 'accounting' | 'financing'
  type: 'accounting' | 'financing'
  active: boolean
  /** The period in which the certificate was frozen, while it is. */
  frozenIn: string | null
  periods: Map<string, PeriodMoney>
  contracts: Map<string, CertificateContract>
}

export const balanceOf = (m: PeriodMoney) => m.nominal - m.reserved - m.spent

export type CertificateCommand =
  | {
      type: 'IssueCertificate'
      certificateNumber: string
      municipality: string
      birthDate: IsoDate
      issuedOn: IsoDate
      requestedType: 'accounting' | 'financing'
    }
  | { type: 'ActivateCertificate'; activatedOn: IsoDate }
  | { type: 'MakeFinancing'; periodId: string; on: IsoDate; nominal: Kopecks; reason: 'request' | 'promoted_from_queue' | 'issued_as_financing' }
  | { type: 'MakeAccounting'; periodId: string; on: IsoDate }
  | { type: 'CreditNominal'; periodId: string; on: IsoDate; nominal: Kopecks }
  | { type: 'FreezeCertificate'; periodId: string; on: IsoDate }
  | { type: 'UnfreezeCertificate'; periodId: string; on: IsoDate; nominal: Kopecks }
  | {
      type: 'ReserveFunds'
      contractId: string
      periodId: string
      on: IsoDate
      quote: Omit<QuoteInput, 'balance'>
      /** The parent pays whatever the certificate does not, even all of it. */
      parentPaysAll: boolean
    }
  | { type: 'ReleaseReservation'; contractId: string; on: IsoDate; amount: Kopecks | 'all'; reason: 'refused' | 'request_abandoned' }
  /** `amount`: the certificate part of the months after `lastMonth`, whether still reserved or written off already. */
  | { type: 'ReleaseForTermination'; contractId: string; on: IsoDate; amount: Kopecks; lastMonth: IsoMonth }
  | { type: 'WriteOff'; contractId: string; month: IsoMonth; amount: Kopecks; effectiveOn: IsoDate }
  | { type: 'RefundShortfall'; contractId: string; month: IsoMonth; invoiceId: string; correctionId: string | null; amount: Kopecks; refundedOn: IsoDate }

const emptyMoney = (): PeriodMoney => ({ nominal: 0, reserved: 0, spent: 0 })

/** The certificate holds the period's nominal (credited and not withdrawn since): it is never credited twice. */
export const holdsNominal = (state: CertificateState, periodId: string) => moneyIn(state, periodId).nominal > 0

function money(state: CertificateState, periodId: string): PeriodMoney {
  let m = state.periods.get(periodId)
  if (!m) {
    m = emptyMoney()
    state.periods.set(periodId, m)
  }
  return m
}

export const moneyIn = (state: CertificateState, periodId: string): PeriodMoney => state.periods.get(periodId) ?? emptyMoney()

function existing(state: CertificateState): string {
  return state.number ?? refuse('certificate_not_found', 'no such certificate')
}

export function assertUsable(state: CertificateState): void {
  const n = existing(state)
  if (!state.active) refuse('certificate_not_active', `certificate ${n} is not activated yet`)
  if (state.frozenIn !== null) refuse('certificate_frozen', `certificate ${n} is frozen`)
}

const decisions: Decisions<CertificateCommand, CertificateState> = {
  IssueCertificate(command, state) {
    if (state.number !== null) {
      return refuse('certificate_already_issued', `certificate ${command.certificateNumber} is already issued`)
    }
    const age = ageOn(command.birthDate, command.issuedOn)
    if (age < 5 || age > 17) {
      return refuse('child_age_outside_5_to_18', `a certificate is issued to children from 5 until 18; this child is ${age} on ${command.issuedOn}`)
    }
    const { type: _, ...data } = command
    return [event('CertificateIssued', data)]
  },
  ActivateCertificate(command, state) {
    const n = existing(state)
    if (state.active) return refuse('certificate_already_active', `certificate ${n} is already active`)
    return [event('CertificateActivated', { certificateNumber: n, activatedOn: command.activatedOn })]
  },
  MakeFinancing(command, state) {
    const n = existing(state)
    if (state.type === 'financing') return refuse('certificate_type_unchanged', `certificate ${n} is already a financing certificate`)
    if (state.frozenIn !== null) return refuse('certificate_frozen', `certificate ${n} is frozen`)
    // Financing earlier in the period and still holding its nominal (a queue promotion after a type change
    // back cannot be): credited again only when the nominal left it.
    const credited = holdsNominal(state, command.periodId)
    return [
      event('CertificateTypeChanged', {
        certificateNumber: n,
        periodId: command.periodId,
        from: 'accounting',
        to: 'financing',
        changedOn: command.on,
        reason: command.reason,
        nominalWithdrawn: 0,
      }),
      ...(credited ? [] : [event('NominalCredited', { certificateNumber: n, periodId: command.periodId, amount: command.nominal, creditedOn: command.on })]),
    ]
  },
  MakeAccounting(command, state) {
    const n = existing(state)
    if (state.type === 'accounting') return refuse('certificate_type_unchanged', `certificate ${n} is already an accounting certificate`)
    const m = moneyIn(state, command.periodId)
    if (m.reserved > 0 || m.spent > 0) {
      return refuse(
        'certificate_has_money_in_use',
        `certificate ${n} has money reserved or spent in period ${command.periodId}; it stays a financing certificate`,
      )
    }
    return [
      event('CertificateTypeChanged', {
        certificateNumber: n,
        periodId: command.periodId,
        from: 'financing',
        to: 'accounting',
        changedOn: command.on,
        reason: 'request',
        nominalWithdrawn: m.nominal,
      }),
    ]
  },
  CreditNominal(command, state) {
    const n = existing(state)
    if (state.type !== 'financing') return refuse('certificate_not_financing', `certificate ${n} is not a financing certificate`)
    if (state.frozenIn !== null) return refuse('certificate_frozen', `certificate ${n} is frozen`)
    if (holdsNominal(state, command.periodId)) {
      return refuse('certificate_already_credited', `certificate ${n} already got the nominal of period ${command.periodId}`)
    }
    return [event('NominalCredited', { certificateNumber: n, periodId: command.periodId, amount: command.nominal, creditedOn: command.on })]
  },
  FreezeCertificate(command, state) {
    const n = existing(state)
    if (state.frozenIn !== null) return refuse('certificate_already_frozen', `certificate ${n} is already frozen`)
    const m = moneyIn(state, command.periodId)
    if (m.reserved > 0) {
      return refuse('certificate_has_running_contracts', `certificate ${n} has running contracts; terminate them before freezing`)
    }
    return [event('CertificateFrozen', { certificateNumber: n, periodId: command.periodId, frozenOn: command.on, balanceWithdrawn: balanceOf(m) })]
  },
  UnfreezeCertificate(command, state) {
    const n = existing(state)
    if (state.frozenIn === null) return refuse('certificate_not_frozen', `certificate ${n} is not frozen`)
    if (state.frozenIn === command.periodId) {
      return refuse('unfreeze_in_same_period', `certificate ${n} was frozen in period ${command.periodId}; it can be unfrozen only in a later one`)
    }
    const credit = state.type === 'financing' && !holdsNominal(state, command.periodId)
    return [
      event('CertificateUnfrozen', { certificateNumber: n, periodId: command.periodId, unfrozenOn: command.on }),
      ...(credit ? [event('NominalCredited', { certificateNumber: n, periodId: command.periodId, amount: command.nominal, creditedOn: command.on })] : []),
    ]
  },
  ReserveFunds(command, state) {
    const n = existing(state)
    assertUsable(state)
    if (state.contracts.has(command.contractId)) return []
    const balance = state.type === 'financing' ? balanceOf(moneyIn(state, command.periodId)) : 0
    const quote = quoteContract({ ...command.quote, balance })
    if (quote.certificate === 0 && !command.parentPaysAll) {
      return refuse('no_certificate_funds', `certificate ${n} has no money left for this contract in period ${command.periodId}`, {
        balance,
      })
    }
    if (quote.certificate === 0) return []
    return [
      event('CertificateFundsReserved', {
        certificateNumber: n,
        periodId: command.periodId,
        contractId: command.contractId,
        amount: quote.certificate,
        reservedOn: command.on,
      }),
    ]
  },
  WriteOff(command, state) {
    const n = existing(state)
    const c = state.contracts.get(command.contractId) ?? refuse('contract_not_found', `certificate ${n} holds nothing for contract ${command.contractId}`)
    // Written off already, or after the last month of a terminated contract: nothing (a close that read the
    // contract before its termination may still ask).
    if (c.writtenOff.has(command.month) || (c.lastMonth !== null && command.month > c.lastMonth)) return []
    if (command.amount > c.reserved) {
      return refuse('amount_invalid', `contract ${command.contractId} has ${c.reserved} kopecks reserved, less than the ${command.amount} to write off`)
    }
    return [
      event('CertificateFundsWrittenOff', {
        certificateNumber: n,
        periodId: c.periodId,
        contractId: command.contractId,
        month: command.month,
        amount: command.amount,
        effectiveOn: command.effectiveOn,
      }),
    ]
  },
  RefundShortfall(command, state) {
    const n = existing(state)
    const c = state.contracts.get(command.contractId) ?? refuse('contract_not_found', `certificate ${n} holds nothing for contract ${command.contractId}`)
    if (c.refunds.has(`${command.invoiceId}|${command.month}|${command.correctionId ?? ''}`) || command.amount === 0) return []
    if (command.amount > moneyIn(state, c.periodId).spent) refuse('amount_invalid', 'a refund cannot exceed what was spent')
    return [
      event('ShortfallRefunded', {
        certificateNumber: n,
        periodId: c.periodId,
        contractId: command.contractId,
        month: command.month,
        invoiceId: command.invoiceId,
        correctionId: command.correctionId,
        amount: command.amount,
        refundedOn: command.refundedOn,
      }),
    ]
  },
  ReleaseReservation(command, state) {
    const n = existing(state)
    const c = state.contracts.get(command.contractId)
    if (!c || c.reserved === 0) return []
    const amount = command.amount === 'all' ? c.reserved : Math.min(command.amount, c.reserved)
    if (amount === 0) return []
    return [
      event('CertificateReservationReleased', {
        certificateNumber: n,
        periodId: c.periodId,
        contractId: command.contractId,
        amount,
        releasedOn: command.on,
        reason: command.reason,
        lastMonth: null,
      }),
    ]
  },
  ReleaseForTermination(command, state) {
    const n = existing(state)
    const c = state.contracts.get(command.contractId)
    if (!c || c.lastMonth !== null) return []
    // Months after the last one that were written off when they began (the close of the month before ran
    // first) return too; each on the day it began, so no business date ever shows it spent.
    const returned = [...c.writtenOff].filter(([month]) => month > command.lastMonth).sort(([a], [b]) => (a < b ? -1 : 1))
    const returnedSum = returned.reduce((sum, [, w]) => sum + w.amount, 0)
    const amount = Math.min(Math.max(command.amount - returnedSum, 0), c.reserved)
    return [
      event('CertificateReservationReleased', {
        certificateNumber: n,
        periodId: c.periodId,
        contractId: command.contractId,
        amount,
        releasedOn: command.on,
        reason: 'terminated',
        lastMonth: command.lastMonth,
      }),
      ...returned.map(([month, w]) =>
        event('CertificateWriteOffReturned', {
          certificateNumber: n,
          periodId: c.periodId,
          contractId: command.contractId,
          month,
          amount: w.amount,
          returnedOn: w.effectiveOn,
          reason: 'terminated',
        }),
      ),
    ]
  },
}

/** A reservation adds to the period's reserved money and to the contract's (the first one opens the contract's account). */
function reserve(state: CertificateState, periodId: string, contractId: string, amount: number): void {
  money(state, periodId).reserved += amount
  const c = state.contracts.get(contractId)
  if (c) c.reserved += amount
  else state.contracts.set(contractId, { periodId, reserved: amount, writtenOff: new Map(), refunds: new Set(), lastMonth: null })
}

export const certificateDecider: Decider<CertificateCommand, CertificateState> = {
  initialState: () => ({
    number: null,
    municipality: '',
    birthDate: '',
    issuedOn: '',
    requestedType: 'accounting',
    type: 'accounting',
    active: false,
    frozenIn: null,
    periods: new Map(),
    contracts: new Map(),
  }),

  evolve(state, e) {
    switch (e.type) {
      case 'CertificateIssued':
        state.number = e.data.certificateNumber
        state.municipality = e.data.municipality
        state.birthDate = e.data.birthDate
        state.issuedOn = e.data.issuedOn
        state.requestedType = e.data.requestedType
        return state
      case 'CertificateActivated':
        state.active = true
        return state
      case 'CertificateTypeChanged': {
        state.type = e.data.to
        money(state, e.data.periodId).nominal -= e.data.nominalWithdrawn
        return state
      }
      case 'NominalCredited': {
        const m = money(state, e.data.periodId)
        m.nominal += e.data.amount
        return state
      }
      case 'CertificateFrozen':
        state.frozenIn = e.data.periodId
        money(state, e.data.periodId).nominal -= e.data.balanceWithdrawn
        return state
      case 'CertificateUnfrozen':
        state.frozenIn = null
        return state
      case 'CertificateFundsReserved':
        reserve(state, e.data.periodId, e.data.contractId, e.data.amount)
        return state
      case 'CertificateReservationReleased': {
        money(state, e.data.periodId).reserved -= e.data.amount
        const c = state.contracts.get(e.data.contractId)
        if (c) {
          c.reserved -= e.data.amount
          if (e.data.lastMonth !== null) c.lastMonth = e.data.lastMonth
        }
        return state
      }
      case 'CertificateWriteOffReturned': {
        money(state, e.data.periodId).spent -= e.data.amount
        state.contracts.get(e.data.contractId)?.writtenOff.delete(e.data.month)
        return state
      }
      case 'CertificateFundsWrittenOff': {
        const m = money(state, e.data.periodId)
        m.reserved -= e.data.amount
        m.spent += e.data.amount
        const c = state.contracts.get(e.data.contractId)
        if (c) {
          c.reserved -= e.data.amount
          c.writtenOff.set(e.data.month, { amount: e.data.amount, effectiveOn: e.data.effectiveOn })
        }
        return state
      }
      case 'ShortfallRefunded': {
        money(state, e.data.periodId).spent -= e.data.amount
        state.contracts.get(e.data.contractId)?.refunds.add(`${e.data.invoiceId}|${e.data.month}|${e.data.correctionId ?? ''}`)
        return state
      }
      default:
        return state
    }
  },

  decide: byCommand(decisions),
}
