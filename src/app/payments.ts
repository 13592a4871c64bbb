import type { EventData } from '../../events/index.ts'
import { certificateDecider } from '../domain/certificate.ts'
import type { IsoDate, IsoMonth } from '../domain/dates.ts'
import { DomainError, refuse } from '../domain/errors.ts'
import { amountDueOf, type InvoiceState, invoiceDecider, invoiceIds } from '../domain/invoice.ts'
import type { Kopecks } from '../domain/money.ts'
import { paymentOrdersDecider } from '../domain/payment-order.ts'
import { WrongExpectedVersionError } from '../store/port.ts'
import { type Application, type CommandContext, idempotent, processIdFrom } from './context.ts'
import { Process } from './process.ts'
import { requireReach } from './scope.ts'
import { streams } from './streams.ts'

// Payments of invoices and what follows them (domain.md, "Payment", "Shortfall refund"): a payment takes its order
// number in the payer's year, then is recorded on the invoice, never above what is owed; a final invoice paid in full
// returns each line's shortfall to its certificate, once; a payment recorded by mistake is reversed (storno).

const invoiceStream = streams.invoice

/** When a final invoice is paid in full, each line below 100 % returns its shortfall to the certificate, once. */
export async function refundShortfalls(app: Application, ctx: CommandContext, invoiceId: string): Promise<number> {
  const invoice = await app.aggregates.load(invoiceDecider, invoiceStream(invoiceId))
  const i = invoice.state.invoice
  if (i?.kind !== 'final') return 0
  const refundedOn = invoice.state.settledOn
  if (i.amountDue < 0 || refundedOn === null) return 0
  let refunded = 0
  const p = new Process(app, ctx, 'refund', `refund:${invoiceId}`)
  const refund = async (certificateNumber: string, contractId: string, month: IsoMonth, correctionId: string | null, amount: Kopecks) => {
    const step = await p.step(
      certificateDecider,
      streams.certificate(certificateNumber),
      `${contractId}:${month}:${correctionId ?? 'line'}`,
      {
        type: 'RefundShortfall',
        contractId,
        month,
        invoiceId,
        correctionId,
        amount,
        refundedOn,
      },
      { point: 'line-refunded' },
    )
    refunded += step.events.length
  }
  for (const line of i.lines) {
    if (line.monthAmount > line.lineAmount) await refund(line.certificateNumber, line.contractId, line.month, null, line.monthAmount - line.lineAmount)
  }
  // A correction that lowered a month returns the difference too.
  for (const c of i.corrections) if (c.amount < 0) await refund(c.certificateNumber, c.contractId, c.month, c.correctionId, -c.amount)
  return refunded
}

export interface PaymentInput {
  invoiceId: string
  amount: Kopecks
  paidOn: IsoDate
  paymentOrder: string
  /** Chosen by the caller (a bank statement line); default from the idempotency key or random. */
  paymentId?: string
}

/** An invoice the caller reaches (another payer's answers as if there were none). */
async function loadInvoice(app: Application, ctx: CommandContext, invoiceId: string) {
  const invoice = await app.aggregates.load(invoiceDecider, invoiceStream(invoiceId))
  const i = invoice.state.invoice
  if (!i) refuse('invoice_not_found', `no invoice ${invoiceId}`)
  requireReach(ctx.caller, { kind: 'invoice', id: invoiceId, providerId: i!.providerId, payerId: i!.payerId })
  return invoice
}

/** A payment id retried with other details is another payment, not a retry: refused rather than answered as done. */
function refuseReusedPaymentId(recorded: EventData<'PaymentRecorded'>, input: PaymentInput): void {
  if (recorded.amount !== input.amount || recorded.paidOn !== input.paidOn || recorded.paymentOrder !== input.paymentOrder) {
    refuse('payment_id_reused', `payment ${recorded.paymentId} was recorded with other details (${recorded.amount} kopecks on ${recorded.paidOn})`)
  }
}

export async function recordPayment(app: Application, ctx: CommandContext, input: PaymentInput) {
  const invoice = await loadInvoice(app, ctx, input.invoiceId)
  await refuseOnSettledAdvance(app, invoice.state)
  // A payment interrupted after it was recorded but before its refunds: any later attempt finishes them first.
  await refundShortfalls(app, { metadata: { ...ctx.metadata, idempotencyKey: null } }, input.invoiceId)
  return idempotent(
    app,
    ctx,
    'RecordPayment',
    input,
    (key) => input.paymentId ?? processIdFrom('payment')(key),
    async (paymentId) => {
      const command = { type: 'RecordPayment' as const, paymentId, amount: input.amount, paidOn: input.paidOn, paymentOrder: input.paymentOrder }
      // Refused on the invoice as it stands: the order number is not taken for a payment that cannot be recorded.
      invoiceDecider.decide(command, (await app.aggregates.load(invoiceDecider, invoiceStream(input.invoiceId))).state)
      const year = Number(input.paidOn.slice(0, 4))
      const payerId = invoice.state.invoice!.payerId
      const orders = streams.paymentOrders(payerId, year)
      const order = { payerId, year, paymentOrder: input.paymentOrder, paymentId }
      const attempt = (await app.aggregates.load(paymentOrdersDecider, orders)).state.releases.get(paymentId) ?? 0
      // Three steps, each named as it always was: the order number taken, the payment, the number given back.
      const step = (kind: string, id: string) => new Process(app, ctx, 'payment', `${kind}:${input.invoiceId}:${paymentId}${id}`)
      await step('payment-order', `:${attempt}`).step(
        paymentOrdersDecider,
        orders,
        '',
        { type: 'UsePaymentOrder', ...order, invoiceId: input.invoiceId, paidOn: input.paidOn },
        { point: 'order-used' },
      )
      let recorded: Awaited<ReturnType<Process['step']>>
      try {
        recorded = await step('payment', '').step(invoiceDecider, invoiceStream(input.invoiceId), '', command, {
          expectedVersion: ctx.expectedVersion,
          point: 'recorded',
        })
      } catch (error) {
        // Another payment got there first (the invoice is paid up, the stream moved on): the number is free again.
        if (error instanceof DomainError || error instanceof WrongExpectedVersionError) {
          await step('payment-order-release', `:${attempt}`).step(paymentOrdersDecider, orders, '', {
            type: 'ReleasePaymentOrder',
            ...order,
            releasedOn: input.paidOn,
            reason: error instanceof DomainError ? error.code : 'stream_moved_on',
          })
        }
        throw error
      }
      const payment = recorded.events[0]?.data as EventData<'PaymentRecorded'> | undefined
      if (recorded.alreadyDone && payment) refuseReusedPaymentId(payment, input)
      const refunds = await refundShortfalls(app, ctx, input.invoiceId)
      const after = await app.aggregates.load(invoiceDecider, invoiceStream(input.invoiceId))
      return {
        streamId: invoiceStream(input.invoiceId),
        version: after.version,
        invoiceId: input.invoiceId,
        paymentId,
        overdue: payment?.overdue ?? false,
        paid: after.state.paid,
        newPayment: !recorded.alreadyDone && recorded.events.length > 0,
        outstanding: (after.state.invoice!.kind === 'final' ? after.state.invoice!.amountDue : after.state.invoice!.total) - after.state.paid,
        refunds,
      }
    },
  )
}

/**
 * The final invoice of a month deducts what was paid of the month's advance when it is issued; after that the
 * advance invoice takes no payment and no reversal (they would pay or take back twice).
 */
async function refuseOnSettledAdvance(app: Application, state: InvoiceState) {
  const i = state.invoice!
  if (i.kind !== 'advance') return
  const final = await app.aggregates.load(invoiceDecider, invoiceStream(invoiceIds.final(i.municipality, i.payerId, i.providerId, i.month)))
  if (final.state.invoice) {
    refuse('advance_settled', `the final invoice of ${i.month} already deducted what was paid of this advance; settle through the final invoice`)
  }
}

/** Reverses (storno) a payment recorded by mistake: a new event referring to it; the invoice is owed again. */
export async function reversePayment(
  app: Application,
  ctx: CommandContext,
  input: { invoiceId: string; paymentId: string; reversedOn: IsoDate; reason: string },
) {
  const invoice = await loadInvoice(app, ctx, input.invoiceId)
  await refuseOnSettledAdvance(app, invoice.state)
  // Refunds to certificates followed the full payment; taking the payment back would leave them unfunded.
  const i = invoice.state.invoice!
  if (i.kind === 'final' && invoice.state.paid >= i.amountDue && i.lines.some((l) => l.lineAmount < l.monthAmount)) {
    refuse('payment_settled', `invoice ${i.number} is paid in full and its shortfalls returned to certificates; correct it through the next invoice instead`)
  }
  const processId = `reverse:${input.invoiceId}:${input.paymentId}`
  return idempotent(
    app,
    ctx,
    'ReversePayment',
    input,
    () => processId,
    async () => {
      const p = new Process(app, ctx, 'reverse', processId)
      const step = await p.step(
        invoiceDecider,
        invoiceStream(input.invoiceId),
        '',
        {
          type: 'ReversePayment',
          paymentId: input.paymentId,
          reversedOn: input.reversedOn,
          reason: input.reason,
        },
        { expectedVersion: ctx.expectedVersion },
      )
      // The same reversal again is answered as before; another one of the same payment is a conflict.
      const recorded = step.events[0]!.data as EventData<'PaymentReversed'>
      if (step.alreadyDone && (recorded.reason !== input.reason || recorded.reversedOn !== input.reversedOn)) {
        refuse('payment_already_reversed', `payment ${input.paymentId} was reversed on ${recorded.reversedOn}: ${recorded.reason}`)
      }
      // A payment recorded by mistake gives its order number back: the same bank order may be recorded again, right.
      const payment = invoice.state.recorded.get(input.paymentId)
      if (payment) {
        const year = Number(payment.paidOn.slice(0, 4))
        await p.step(paymentOrdersDecider, streams.paymentOrders(i.payerId, year), 'order', {
          type: 'ReleasePaymentOrder',
          payerId: i.payerId,
          year,
          paymentOrder: payment.paymentOrder,
          paymentId: input.paymentId,
          releasedOn: recorded.reversedOn,
          reason: 'reversed',
        })
      }
      const after = await app.aggregates.load(invoiceDecider, invoiceStream(input.invoiceId))
      return {
        streamId: invoiceStream(input.invoiceId),
        version: step.version,
        invoiceId: input.invoiceId,
        paid: after.state.paid,
        outstanding: amountDueOf(after.state) - after.state.paid,
      }
    },
  )
}
