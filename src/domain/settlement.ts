import type { EventData } from '../../events/index.ts'
import { addMonths, firstDayOfMonth, type IsoDate, type IsoMonth, lastDayOfMonth } from './dates.ts'
import { event, type Decider } from './decider.ts'
import { refuse } from './errors.ts'
import { formatAmount, type Kopecks, mulDivHalfUp } from './money.ts'

// The monthly cycle's arithmetic (domain.md, "Monthly cycle") and the settlement stream `settlement-{m}`,
// which decides that months close one after the other.

/** At most 80 % of the month's certificate amount, half-up to the kopeck. */
export const ADVANCE_PERCENT = 80

export function advanceAmount(monthAmount: Kopecks, percent = ADVANCE_PERCENT): Kopecks {
  if (!Number.isInteger(percent) || percent < 0 || percent > ADVANCE_PERCENT) refuse('amount_invalid', `an advance is at most ${ADVANCE_PERCENT} %`)
  return mulDivHalfUp(monthAmount, percent, 100)
}

export interface Attendance {
  lessonsPlanned: number
  lessonsCancelledByProvider: number
  providerCompletenessBp: number | null
}

/**
 * What a contract month earns: 100 % unless lessons were cancelled by the provider, then (planned − cancelled) /
 * planned; the provider may lower it further. The line is the month's amount times that, half-up to the kopeck;
 * completeness is shown in basis points, rounded down.
 */
export function settleMonth(monthAmount: Kopecks, attendance: Attendance | null): { completenessBp: number; lineAmount: Kopecks } {
  if (!attendance) return { completenessBp: 10000, lineAmount: monthAmount }
  const delivered = attendance.lessonsPlanned - attendance.lessonsCancelledByProvider
  const byLessons = { numerator: delivered, denominator: attendance.lessonsPlanned }
  const bp = attendance.providerCompletenessBp
  // the lower of the two fractions: delivered/planned against bp/10000
  const useProvider = bp !== null && bp * attendance.lessonsPlanned < delivered * 10000
  const [numerator, denominator] = useProvider ? [bp!, 10000] : [byLessons.numerator, byLessons.denominator]
  return {
    completenessBp: Math.floor((numerator * 10000) / denominator),
    lineAmount: mulDivHalfUp(monthAmount, numerator, denominator),
  }
}

/** A final invoice is due by the 10th of the next month; an advance by the 10th of its own month. */
export function paymentDeadline(kind: 'advance' | 'final', month: IsoMonth): IsoDate {
  return `${kind === 'final' ? addMonths(month, 1) : month}-10`
}

export interface SettlementState {
  municipality: string | null
  lastClosed: IsoMonth | null
  /** What each close recorded, by month. */
  closed: Record<IsoMonth, EventData<'MonthClosed'>>
}

export type SettlementCommand = { type: 'RecordMonthClosed' } & EventData<'MonthClosed'>

/** Months close in order; December closes within December (its final invoice closes the budget year). */
export function checkCloseable(state: SettlementState, month: IsoMonth, closedOn: IsoDate): void {
  if (state.lastClosed !== null && month <= state.lastClosed) refuse('month_already_closed', `${month} is already closed (last closed: ${state.lastClosed})`)
  if (state.lastClosed !== null && month !== addMonths(state.lastClosed, 1)) {
    refuse('month_out_of_order', `close ${addMonths(state.lastClosed, 1)} before ${month}: months close in order`)
  }
  if (month.endsWith('-12')) {
    if (closedOn < firstDayOfMonth(month) || closedOn > lastDayOfMonth(month)) {
      refuse('close_date_invalid', `December closes within December, so its final invoice falls in the budget year; ${closedOn} is outside ${month}`)
    }
  } else if (closedOn < firstDayOfMonth(addMonths(month, 1))) {
    refuse('close_date_invalid', `${month} can be closed from ${firstDayOfMonth(addMonths(month, 1))}, not on ${closedOn}`)
  }
}

export const settlementDecider: Decider<SettlementCommand, SettlementState> = {
  initialState: () => ({ municipality: null, lastClosed: null, closed: {} }),
  evolve: (state, e) => (e.type === 'MonthClosed' ? { municipality: e.data.municipality, lastClosed: e.data.month, closed: { ...state.closed, [e.data.month]: e.data } } : state),
  decide(command, state) {
    checkCloseable(state, command.month, command.closedOn)
    const { type: _, ...data } = command
    return [event('MonthClosed', data)]
  },
}

export interface InvoiceState {
  invoice: (EventData<'FinalInvoiceIssued'> & { kind: 'final' }) | (EventData<'AdvanceInvoiceIssued'> & { kind: 'advance' }) | null
  paid: Kopecks
  /** paymentId → amount, for every payment recorded. */
  payments: Map<string, Kopecks>
  /** paymentId → the payment as recorded, to tell a retry from another payment under the same id. */
  recorded: Map<string, { amount: Kopecks; paidOn: IsoDate; paymentOrder: string }>
  reversed: Set<string>
  /**
   * The day a final invoice became settled (paid up to what it owes: the date of the payment that completed it, its
   * issue date when it owed nothing); null while it is not. Its shortfalls return to certificates on that day.
   */
  settledOn: IsoDate | null
}

export const amountDueOf = (s: InvoiceState): number => (s.invoice?.kind === 'final' ? s.invoice.amountDue : (s.invoice?.total ?? 0))

export type InvoiceCommand =
  | { type: 'IssueFinalInvoice'; invoice: EventData<'FinalInvoiceIssued'> }
  | { type: 'IssueAdvanceInvoice'; invoice: EventData<'AdvanceInvoiceIssued'> }
  | { type: 'RecordPayment'; paymentId: string; amount: Kopecks; paidOn: IsoDate; paymentOrder: string }
  | { type: 'ReversePayment'; paymentId: string; reversedOn: IsoDate; reason: string }

/** Stream `invoice-{invoiceId}`: an invoice, immutable once issued, and its payments, never above what is due. */
export const invoiceDecider: Decider<InvoiceCommand, InvoiceState> = {
  initialState: () => ({ invoice: null, paid: 0, payments: new Map(), recorded: new Map(), reversed: new Set(), settledOn: null }),
  evolve(state, e) {
    if (e.type === 'FinalInvoiceIssued') return { ...state, invoice: { ...e.data, kind: 'final' }, settledOn: e.data.amountDue === 0 ? e.data.issuedOn : null }
    if (e.type === 'AdvanceInvoiceIssued') return { ...state, invoice: { ...e.data, kind: 'advance' } }
    if (e.type === 'PaymentRecorded') {
      const paid = state.paid + e.data.amount
      const completes = state.invoice?.kind === 'final' && state.settledOn === null && paid >= state.invoice.amountDue
      return {
        ...state,
        paid,
        settledOn: completes ? e.data.paidOn : state.settledOn,
        payments: new Map([...state.payments, [e.data.paymentId, e.data.amount]]),
        recorded: new Map([...state.recorded, [e.data.paymentId, { amount: e.data.amount, paidOn: e.data.paidOn, paymentOrder: e.data.paymentOrder }]]),
      }
    }
    if (e.type === 'PaymentReversed') {
      const paid = state.paid - e.data.amount
      return { ...state, paid, reversed: new Set([...state.reversed, e.data.reversesPaymentId]), settledOn: paid < amountDueOf(state) ? null : state.settledOn }
    }
    return state
  },
  decide(command, state) {
    switch (command.type) {
      case 'IssueFinalInvoice':
        return state.invoice ? [] : [event('FinalInvoiceIssued', command.invoice)]
      case 'IssueAdvanceInvoice':
        return state.invoice ? [] : [event('AdvanceInvoiceIssued', command.invoice)]
      case 'ReversePayment': {
        const invoice = state.invoice ?? refuse('invoice_not_found', 'no such invoice')
        const amount = state.payments.get(command.paymentId) ?? refuse('payment_not_found', `invoice ${invoice.number} has no payment ${command.paymentId}`)
        if (state.reversed.has(command.paymentId)) return refuse('payment_already_reversed', `payment ${command.paymentId} is already reversed`)
        const paidOn = state.recorded.get(command.paymentId)!.paidOn
        if (command.reversedOn < paidOn) return refuse('reversal_before_payment', `payment ${command.paymentId} was made on ${paidOn}; it cannot be reversed on ${command.reversedOn}`)
        return [
          event('PaymentReversed', {
            invoiceId: invoice.invoiceId, kind: invoice.kind, payerId: invoice.payerId, providerId: invoice.providerId, month: invoice.month,
            reversesPaymentId: command.paymentId, amount, reversedOn: command.reversedOn, reason: command.reason,
          }),
        ]
      }
      case 'RecordPayment': {
        const invoice = state.invoice ?? refuse('invoice_not_found', 'no such invoice')
        const earlier = state.recorded.get(command.paymentId)
        if (earlier) {
          if (earlier.amount !== command.amount || earlier.paidOn !== command.paidOn || earlier.paymentOrder !== command.paymentOrder) {
            refuse('payment_id_reused', `payment ${command.paymentId} was recorded with other details`)
          }
          return []
        }
        if (command.amount <= 0) refuse('amount_invalid', 'a payment is more than zero')
        if (command.paidOn < invoice.issuedOn) {
          refuse('payment_before_invoice', `invoice ${invoice.number} was issued on ${invoice.issuedOn}; a payment of it cannot be dated ${command.paidOn}`)
        }
        const outstanding = amountDueOf(state) - state.paid
        if (command.amount > outstanding) {
          refuse('overpayment', `invoice ${invoice.number} has ${formatAmount(Math.max(outstanding, 0))} outstanding; the payment of ${formatAmount(command.amount)} exceeds it`)
        }
        return [
          event('PaymentRecorded', {
            invoiceId: invoice.invoiceId, kind: invoice.kind, payerId: invoice.payerId, providerId: invoice.providerId, month: invoice.month, paymentId: command.paymentId, amount: command.amount, paidOn: command.paidOn, paymentOrder: command.paymentOrder,
            overdue: command.paidOn > paymentDeadline(invoice.kind, invoice.month),
          }),
        ]
      }
    }
  },
}
