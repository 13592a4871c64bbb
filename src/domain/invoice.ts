import type { EventData } from '../../events/index.ts'
import { addMonths, type IsoDate, type IsoMonth } from './dates.ts'
import { type Decider, event } from './decider.ts'
import { refuse } from './errors.ts'
import { formatAmount, type Kopecks } from './money.ts'

// Invoices: what names one (one advance and one final invoice per municipality, payer, provider and month), when it is
// due, and the stream `invoice-{invoiceId}` that decides its payments.

/** The invoice's id, which is also its stream's name after `invoice-`. */
export const invoiceIds = {
  final: (municipality: string, payerId: string, providerId: string, month: IsoMonth) => `final-${municipality}-${payerId}-${providerId}-${month}`,
  advance: (municipality: string, payerId: string, providerId: string, month: IsoMonth) => `advance-${municipality}-${payerId}-${providerId}-${month}`,
}

/**
 * An invoice's number, unique over the ledger and written into payment orders' purposes so bank statements can be
 * matched: F (final) or A (advance), the month, the municipality, the payer and the provider.
 */
export const invoiceNumber = (kind: 'F' | 'A', month: IsoMonth, municipality: string, payerId: string, providerId: string) =>
  `${kind}-${month}-${municipality}-${payerId}-${providerId}`

/** A final invoice is due by the 10th of the next month; an advance by the 10th of its own month. */
export function paymentDeadline(kind: 'advance' | 'final', month: IsoMonth): IsoDate {
  return `${kind === 'final' ? addMonths(month, 1) : month}-10`
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
        if (command.reversedOn < paidOn)
          return refuse('reversal_before_payment', `payment ${command.paymentId} was made on ${paidOn}; it cannot be reversed on ${command.reversedOn}`)
        return [
          event('PaymentReversed', {
            invoiceId: invoice.invoiceId,
            kind: invoice.kind,
            payerId: invoice.payerId,
            providerId: invoice.providerId,
            month: invoice.month,
            reversesPaymentId: command.paymentId,
            amount,
            reversedOn: command.reversedOn,
            reason: command.reason,
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
          refuse(
            'overpayment',
            `invoice ${invoice.number} has ${formatAmount(Math.max(outstanding, 0))} outstanding; the payment of ${formatAmount(command.amount)} exceeds it`,
          )
        }
        return [
          event('PaymentRecorded', {
            invoiceId: invoice.invoiceId,
            kind: invoice.kind,
            payerId: invoice.payerId,
            providerId: invoice.providerId,
            month: invoice.month,
            paymentId: command.paymentId,
            amount: command.amount,
            paidOn: command.paidOn,
            paymentOrder: command.paymentOrder,
            overdue: command.paidOn > paymentDeadline(invoice.kind, invoice.month),
          }),
        ]
      }
    }
  },
}
