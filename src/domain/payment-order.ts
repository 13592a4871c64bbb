import type { IsoDate } from './dates.ts'
import { type Decider, event } from './decider.ts'
import { refuse } from './errors.ts'

/**
 * Stream `payment-orders-{payerId}-{year}`: the payment order numbers a payer used in a calendar year. A number
 * names one payment: the same order cannot be recorded as two payments (a bank statement imported twice under
 * other ids, a payment keyed in again by hand).
 */
export interface PaymentOrdersState {
  /** paymentOrder → the payment it was used for. */
  used: Map<string, { paymentId: string; invoiceId: string; paidOn: IsoDate }>
  /** paymentId → how often a number taken for it was released: a later attempt takes it again as a new step. */
  releases: Map<string, number>
}

export type PaymentOrderCommand =
  | { type: 'UsePaymentOrder'; payerId: string; year: number; paymentOrder: string; paymentId: string; invoiceId: string; paidOn: IsoDate }
  | { type: 'ReleasePaymentOrder'; payerId: string; year: number; paymentOrder: string; paymentId: string; releasedOn: IsoDate; reason: string }

export const paymentOrdersDecider: Decider<PaymentOrderCommand, PaymentOrdersState> = {
  initialState: () => ({ used: new Map(), releases: new Map() }),
  evolve(state, e) {
    if (e.type === 'PaymentOrderNumberUsed')
      state.used.set(e.data.paymentOrder, { paymentId: e.data.paymentId, invoiceId: e.data.invoiceId, paidOn: e.data.paidOn })
    if (e.type === 'PaymentOrderNumberReleased') {
      if (state.used.get(e.data.paymentOrder)?.paymentId === e.data.paymentId) state.used.delete(e.data.paymentOrder)
      state.releases.set(e.data.paymentId, (state.releases.get(e.data.paymentId) ?? 0) + 1)
    }
    return state
  },
  decide(command, state) {
    const holder = state.used.get(command.paymentOrder)
    const { type: _, ...data } = command
    if (command.type === 'UsePaymentOrder') {
      if (holder?.paymentId === command.paymentId) return []
      if (holder) {
        refuse(
          'payment_order_reused',
          `payment order № ${command.paymentOrder} of ${command.year} was already used for payment ${holder.paymentId} (invoice ${holder.invoiceId}, ${holder.paidOn})`,
        )
      }
      return [event('PaymentOrderNumberUsed', data as Omit<typeof command, 'type'>)]
    }
    if (holder?.paymentId !== command.paymentId) return []
    return [event('PaymentOrderNumberReleased', data as Omit<typeof command, 'type'>)]
  },
}
