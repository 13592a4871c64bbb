import type { EventData } from '../../events/index.ts'
import { certificateDecider } from '../domain/certificate.ts'
import { contractDecider, monthsToWriteOff, payableMonths } from '../domain/contract.ts'
import { addMonths, firstDayOfMonth, type IsoDate, type IsoMonth, lastDayOfMonth } from '../domain/dates.ts'
import { DomainError, refuse } from '../domain/errors.ts'
import { paymentOrdersDecider } from '../domain/payment-order.ts'
import { WrongExpectedVersionError } from '../store/port.ts'
import type { Kopecks } from '../domain/money.ts'
import { ADVANCE_PERCENT, advanceAmount, amountDueOf, checkCloseable, invoiceDecider, type InvoiceState, settlementDecider } from '../domain/settlement.ts'
import { municipalityDecider } from '../domain/municipality.ts'
import { providerDecider } from '../domain/provider.ts'
import { forEachConcurrently } from './concurrently.ts'
import { type Application, type CommandContext, idempotent, processIdFrom } from './context.ts'
import { closeContract, loadContract, refuseContract } from './contracts.ts'
import { reaches, requireReach } from './scope.ts'
import { streams } from './streams.ts'
import { invoiceIds, invoiceNumber } from '../domain/invoice.ts'

// The payer's month: the month close and payments (domain.md, "Monthly cycle"). The close is one process named
// after the municipality and the month: every step's events derive their ids from it, so closing a month twice
// appends nothing the second time, and closing it again after a crash finishes exactly what was missing.
// MonthClosed is its last step, so a month counts as closed only once all of it is written.

/** The contracts of a municipality that a close must look at (requested, accepted or terminated ones). */
export type ContractLister = (municipality: string) => Promise<string[]>

const invoiceStream = streams.invoice
export { invoiceIds, invoiceNumber }

export interface MonthCloseOutcome {
  municipality: string
  month: IsoMonth
  closedOn: IsoDate
  contractsWrittenOff: number
  contractsClosed: number
  requestsExpired: number
  finalInvoices: string[]
  advanceInvoices: string[]
  alreadyClosed: boolean
}

/** Contracts (and invoices) of a close handled at once. */
const CLOSE_CONCURRENCY = 256

export async function closeMonth(
  app: Application,
  ctx: CommandContext,
  input: { municipality: string; month: IsoMonth; closedOn: IsoDate },
  listContracts: ContractLister,
): Promise<MonthCloseOutcome> {
  const { municipality, month, closedOn } = input
  const settlementStream = streams.settlement(municipality)
  const processId = `close:${municipality}:${month}`
  const settlement = await app.aggregates.load(settlementDecider, settlementStream)
  // Only a municipality the ledger knows (a financing period opened) has months to close; a payer closes the months
  // of the periods it pays for.
  const periods = [...(await app.aggregates.load(municipalityDecider, streams.municipality(municipality))).state.periods.values()]
  if (periods.length === 0) refuse('municipality_not_found', `no financing period of ${municipality} is open: there is no month to close`)
  const payers = periods.filter((p) => p.startDate <= lastDayOfMonth(month) && p.endDate >= firstDayOfMonth(month)).map((p) => p.payerId)
  if (!payers.some((payerId) => reaches(ctx.caller, { kind: 'month', id: `${municipality} ${month}`, payer: payerId }))) {
    requireReach(ctx.caller, { kind: 'month', id: `${municipality} ${month}`, payer: payers[0] ?? null })
  }
  // A closed month is answered from its record: closing it again runs nothing.
  const recorded = settlement.state.closed[month]
  if (recorded) {
    const { municipality: _, month: __, ...counts } = recorded
    return { municipality, month, ...counts, alreadyClosed: true }
  }
  checkCloseable(settlement.state, month, closedOn)
  // With If-Match the caller names the version of the municipality's settlement stream it saw (its last close).
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== (settlement.version ?? 'no_stream')) {
    throw new WrongExpectedVersionError(settlementStream, ctx.expectedVersion, settlement.version)
  }

  return idempotent(app, ctx, 'CloseMonth', input, () => processId, async () => {
    // Steps have ids of their own; nested commands must not reuse the client's idempotency key.
    const meta = { ...ctx.metadata, causationId: processId, idempotencyKey: null }
    const outcome: MonthCloseOutcome = {
      municipality, month, closedOn, contractsWrittenOff: 0, contractsClosed: 0, requestsExpired: 0, finalInvoices: [], advanceInvoices: [], alreadyClosed: false,
    }
    const settled: EventData<'ContractMonthSettled'>[] = []
    const corrections: (EventData<'FinalInvoiceIssued'>['corrections'][number] & { key: string })[] = []
    const advances = new Map<string, EventData<'AdvanceInvoiceIssued'>['lines']>()
    const contractDates = new Map<string, IsoDate>()
    const next = addMonths(month, 1)
    // Contracts whose month is over close only after the invoices are issued: a close interrupted before its
    // invoices still finds them open when it runs again, and with them the lines they earned.
    const toClose: { contractId: string; closesOn: IsoDate }[] = []
    const advanceClaims = new Map<string, Map<string, number>>()

    // Contracts are independent of each other: many at once, so their steps travel to the store together.
    await forEachConcurrently(await listContracts(municipality), CLOSE_CONCURRENCY, async (contractId) => {
      const contract = await app.aggregates.load(contractDecider, streams.contract(contractId))
      const r = contract.state.request
      if (!r) return
      // Requests nobody answered for two months are refused, their money and place given back.
      if (contract.state.status === 'requested') {
        if (r.requestedOn < firstDayOfMonth(addMonths(month, -1))) {
          await refuseContract(app, { metadata: meta }, { contractId, refusedOn: closedOn, by: 'system', reason: 'not accepted within two months' })
          outcome.requestsExpired++
        }
        return
      }
      if (r.kind === 'financing' && r.payerId) {
        contractDates.set(contractId, r.requestedOn)
        // Every payable month up to the next one not yet written off (a contract accepted late catches up): its
        // certificate amount moves from reserved to spent on the day it begins for the contract — the next month's
        // on its 1st, so the money an advance claims is spent when the month starts.
        for (const w of monthsToWriteOff(contract.state, next)) {
          const step = await app.aggregates.runStep(certificateDecider, streams.certificate(r.certificateNumber), `${processId}:write-off:${contractId}:${w.month}`, {
            type: 'WriteOff', contractId, month: w.month, amount: w.amount, effectiveOn: w.effectiveOn,
          }, meta)
          if (step.events.length > 0) outcome.contractsWrittenOff++
        }
        // Every payable month up to this one is settled on the contract (completeness from the attendance): the
        // lines of this month's final invoice.
        for (const m of payableMonths(contract.state).filter((x) => x <= month)) {
          const s = await app.aggregates.runStep(contractDecider, streams.contract(contractId), `${processId}:settle:${contractId}:${m}`, {
            type: 'SettleMonth', month: m, invoiceMonth: month, settledOn: closedOn,
          }, meta)
          for (const e of s.events) if (e.type === 'ContractMonthSettled') settled.push(e.data)
          app.faults('month-close:contract-settled')
        }
        // Corrections of months invoiced before go into this month's final invoice.
        for (const c of Object.values(contract.state.corrections).filter((x) => !x.invoiced)) {
          corrections.push({
            key: `${c.payerId}|${c.providerId}`, correctionId: c.correctionId, contractId, certificateNumber: c.certificateNumber, month: c.month,
            correctsInvoiceId: c.correctsInvoiceId, amount: c.lineAmount - c.previousLineAmount,
          })
        }
        // The next month's advance: for contracts still payable then.
        const nextAmount = r.schedule.find((s) => s.month === next)?.certificate ?? 0
        if (nextAmount > 0 && payableMonths(contract.state).includes(next)) {
          const key = `${r.payerId}|${r.providerId}`
          // 80 % unless the provider claimed less for that month (each provider read once per close).
          let claims = advanceClaims.get(r.providerId)
          if (!claims) advanceClaims.set(r.providerId, (claims = (await app.aggregates.load(providerDecider, streams.provider(r.providerId))).state.advanceClaims))
          const percent = claims.get(`${r.payerId}|${next}`) ?? ADVANCE_PERCENT
          const line = { contractId, certificateNumber: r.certificateNumber, monthAmount: nextAmount, amount: advanceAmount(nextAmount, percent) }
          const lines = advances.get(key)
          if (lines) lines.push(line)
          else advances.set(key, [line])
        }
      }
      // A termination's month, or the contract's last one, is over: it closes and its place becomes free.
      const closesOn = contract.state.status === 'terminated' ? contract.state.closesOn! : contract.state.status === 'accepted' ? r.endDate : null
      if (closesOn !== null && closesOn <= lastDayOfMonth(month)) toClose.push({ contractId, closesOn })
    })

    // Final invoices of the month, one per payer and provider.
    const byProvider = new Map<string, EventData<'ContractMonthSettled'>[]>()
    for (const s of settled) {
      const key = `${s.payerId}|${s.providerId}`
      const lines = byProvider.get(key)
      if (lines) lines.push(s)
      else byProvider.set(key, [s])
    }
    for (const c of corrections) if (!byProvider.has(c.key)) byProvider.set(c.key, [])
    await forEachConcurrently([...byProvider], CLOSE_CONCURRENCY, async ([key, lines]) => {
      const [payerId, providerId] = key.split('|') as [string, string]
      const advanceId = invoiceIds.advance(municipality, payerId, providerId, month)
      const advance = await app.aggregates.load(invoiceDecider, invoiceStream(advanceId))
      const invoiceId = invoiceIds.final(municipality, payerId, providerId, month)
      const sorted = [...lines].sort((a, b) => (a.contractId === b.contractId ? (a.month < b.month ? -1 : 1) : a.contractId < b.contractId ? -1 : 1))
      const mine = corrections.filter((c) => c.key === key).map(({ key: _, ...c }) => c).sort((a, b) => (a.correctionId < b.correctionId ? -1 : 1))
      const total = sorted.reduce((sum, l) => sum + l.lineAmount, 0) + mine.reduce((sum, c) => sum + c.amount, 0)
      const issued = await app.aggregates.runStep(invoiceDecider, invoiceStream(invoiceId), `${processId}:final:${key}`, {
        type: 'IssueFinalInvoice',
        invoice: {
          invoiceId, number: invoiceNumber('F', month, municipality, payerId, providerId), payerId, providerId, municipality, month, issuedOn: closedOn,
          lines: sorted.map((l) => ({
            contractId: l.contractId, certificateNumber: l.certificateNumber, contractDate: contractDates.get(l.contractId)!, month: l.month,
            monthAmount: l.monthAmount, completenessBp: l.completenessBp, lineAmount: l.lineAmount,
          })),
          corrections: mine,
          total,
          advanceDeducted: advance.state.paid,
          amountDue: total - advance.state.paid,
        },
      }, meta)
      outcome.finalInvoices.push(invoiceId)
      const final = issued.events[0]?.data as EventData<'FinalInvoiceIssued'> | undefined
      // The corrections the issued invoice carries (as recorded, also when finishing a crashed close) are invoiced.
      for (const c of final?.corrections ?? []) {
        await app.aggregates.runStep(contractDecider, streams.contract(c.contractId), `${processId}:correction:${c.correctionId}`, {
          type: 'MarkCorrectionInvoiced', correctionId: c.correctionId, invoiceId, invoicedOn: closedOn,
        }, meta)
      }
      // Nothing left to pay (the advance covered it exactly): settled as issued, its shortfalls return now. With a
      // negative amount the provider owes money back; its shortfalls wait until that is settled.
      if (final && final.amountDue === 0 && final.total >= 0) await refundShortfalls(app, { metadata: meta }, invoiceId)
    })

    // Advance invoices of the next month.
    await forEachConcurrently([...advances], CLOSE_CONCURRENCY, async ([key, lines]) => {
      const [payerId, providerId] = key.split('|') as [string, string]
      const invoiceId = invoiceIds.advance(municipality, payerId, providerId, next)
      await app.aggregates.runStep(invoiceDecider, invoiceStream(invoiceId), `${processId}:advance:${key}`, {
        type: 'IssueAdvanceInvoice',
        invoice: {
          invoiceId, number: invoiceNumber('A', next, municipality, payerId, providerId), payerId, providerId, municipality, month: next, issuedOn: closedOn,
          lines: [...lines].sort((a, b) => (a.contractId < b.contractId ? -1 : 1)), total: lines.reduce((s, l) => s + l.amount, 0),
        },
      }, meta)
      outcome.advanceInvoices.push(invoiceId)
    })

    await forEachConcurrently(toClose, CLOSE_CONCURRENCY, async (c) => {
      await closeContract(app, { metadata: meta }, { contractId: c.contractId, closedOn: c.closesOn })
      outcome.contractsClosed++
    })
    // Recorded in MonthClosed, whose content must be the same when a close interrupted half-way runs again.
    outcome.finalInvoices.sort()
    outcome.advanceInvoices.sort()

    await app.aggregates.runStep(settlementDecider, settlementStream, `${processId}:closed`, {
      type: 'RecordMonthClosed', municipality, month, closedOn, contractsWrittenOff: outcome.contractsWrittenOff, contractsClosed: outcome.contractsClosed,
      requestsExpired: outcome.requestsExpired, finalInvoices: outcome.finalInvoices, advanceInvoices: outcome.advanceInvoices,
    }, meta)
    return outcome
  })
}

/** When a final invoice is paid in full, each line below 100 % returns its shortfall to the certificate, once. */
export async function refundShortfalls(app: Application, ctx: CommandContext, invoiceId: string): Promise<number> {
  const invoice = await app.aggregates.load(invoiceDecider, invoiceStream(invoiceId))
  const i = invoice.state.invoice
  if (!i || i.kind !== 'final') return 0
  const refundedOn = invoice.state.settledOn
  if (i.amountDue < 0 || refundedOn === null) return 0
  let refunded = 0
  const refund = async (certificateNumber: string, contractId: string, month: IsoMonth, correctionId: string | null, amount: Kopecks) => {
    const step = await app.aggregates.runStep(certificateDecider, streams.certificate(certificateNumber), `refund:${invoiceId}:${contractId}:${month}:${correctionId ?? 'line'}`, {
      type: 'RefundShortfall', contractId, month, invoiceId, correctionId, amount, refundedOn,
    }, ctx.metadata)
    refunded += step.events.length
    app.faults('refund:line-refunded')
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

export async function recordPayment(app: Application, ctx: CommandContext, input: PaymentInput) {
  const invoice = await loadInvoice(app, ctx, input.invoiceId)
  await refuseOnSettledAdvance(app, invoice.state)
  // A payment interrupted after it was recorded but before its refunds: any later attempt finishes them first.
  await refundShortfalls(app, { metadata: { ...ctx.metadata, idempotencyKey: null } }, input.invoiceId)
  return idempotent(app, ctx, 'RecordPayment', input, (key) => input.paymentId ?? processIdFrom('payment')(key), async (paymentId) => {
    const command = { type: 'RecordPayment' as const, paymentId, amount: input.amount, paidOn: input.paidOn, paymentOrder: input.paymentOrder }
    // Refused on the invoice as it stands: the order number is not taken for a payment that cannot be recorded.
    invoiceDecider.decide(command, (await app.aggregates.load(invoiceDecider, invoiceStream(input.invoiceId))).state)
    const year = Number(input.paidOn.slice(0, 4))
    const payerId = invoice.state.invoice!.payerId
    const orders = streams.paymentOrders(payerId, year)
    const order = { payerId, year, paymentOrder: input.paymentOrder, paymentId }
    const attempt = (await app.aggregates.load(paymentOrdersDecider, orders)).state.releases.get(paymentId) ?? 0
    await app.aggregates.runStep(paymentOrdersDecider, orders, `payment-order:${input.invoiceId}:${paymentId}:${attempt}`, {
      type: 'UsePaymentOrder', ...order, invoiceId: input.invoiceId, paidOn: input.paidOn,
    }, ctx.metadata)
    app.faults('payment:order-used')
    let step: Awaited<ReturnType<typeof app.aggregates.runStep>>
    try {
      step = await app.aggregates.runStep(invoiceDecider, invoiceStream(input.invoiceId), `payment:${input.invoiceId}:${paymentId}`, command, ctx.metadata, { expectedVersion: ctx.expectedVersion })
    } catch (error) {
      // Another payment got there first (the invoice is paid up, the stream moved on): the number is free again.
      if (error instanceof DomainError || error instanceof WrongExpectedVersionError) {
        await app.aggregates.runStep(paymentOrdersDecider, orders, `payment-order-release:${input.invoiceId}:${paymentId}:${attempt}`, {
          type: 'ReleasePaymentOrder', ...order, releasedOn: input.paidOn, reason: error instanceof DomainError ? error.code : 'stream_moved_on',
        }, ctx.metadata)
      }
      throw error
    }
    const recordedPayment = step.events[0]?.data as EventData<'PaymentRecorded'> | undefined
    if (step.alreadyDone && recordedPayment && (recordedPayment.amount !== input.amount || recordedPayment.paidOn !== input.paidOn || recordedPayment.paymentOrder !== input.paymentOrder)) {
      refuse('payment_id_reused', `payment ${paymentId} was recorded with other details (${recordedPayment.amount} kopecks on ${recordedPayment.paidOn})`)
    }
    app.faults('payment:recorded')
    const refunds = await refundShortfalls(app, ctx, input.invoiceId)
    const after = await app.aggregates.load(invoiceDecider, invoiceStream(input.invoiceId))
    const payment = step.events[0]?.data as EventData<'PaymentRecorded'> | undefined
    return {
      streamId: invoiceStream(input.invoiceId),
      version: after.version,
      invoiceId: input.invoiceId,
      paymentId,
      overdue: payment?.overdue ?? false,
      paid: after.state.paid,
      newPayment: !step.alreadyDone && step.events.length > 0,
      outstanding: (after.state.invoice!.kind === 'final' ? after.state.invoice!.amountDue : after.state.invoice!.total) - after.state.paid,
      refunds,
    }
  })
}

/** A provider claims less than the 80 % advance of a month from a payer (before the close that issues it). */
export async function claimAdvance(app: Application, ctx: CommandContext, input: { providerId: string; payerId: string; month: IsoMonth; percent: number; claimedOn: IsoDate }) {
  requireReach(ctx.caller, { kind: 'provider', id: input.providerId })
  return idempotent(app, ctx, 'ClaimAdvance', input, processIdFrom('advance-claim'), async (processId) => {
    const step = await app.aggregates.runStep(providerDecider, streams.provider(input.providerId), `${processId}:claim`, {
      type: 'ClaimAdvance', payerId: input.payerId, month: input.month, percent: input.percent, claimedOn: input.claimedOn,
    }, ctx.metadata, { expectedVersion: ctx.expectedVersion })
    return { streamId: streams.provider(input.providerId), version: step.version }
  })
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
export async function reversePayment(app: Application, ctx: CommandContext, input: { invoiceId: string; paymentId: string; reversedOn: IsoDate; reason: string }) {
  const invoice = await loadInvoice(app, ctx, input.invoiceId)
  await refuseOnSettledAdvance(app, invoice.state)
  // Refunds to certificates followed the full payment; taking the payment back would leave them unfunded.
  const i = invoice.state.invoice!
  if (i.kind === 'final' && invoice.state.paid >= i.amountDue && i.lines.some((l) => l.lineAmount < l.monthAmount)) {
    refuse('payment_settled', `invoice ${i.number} is paid in full and its shortfalls returned to certificates; correct it through the next invoice instead`)
  }
  const processId = `reverse:${input.invoiceId}:${input.paymentId}`
  return idempotent(app, ctx, 'ReversePayment', input, () => processId, async () => {
    const step = await app.aggregates.runStep(invoiceDecider, invoiceStream(input.invoiceId), processId, {
      type: 'ReversePayment', paymentId: input.paymentId, reversedOn: input.reversedOn, reason: input.reason,
    }, ctx.metadata, { expectedVersion: ctx.expectedVersion })
    // The same reversal again is answered as before; another one of the same payment is a conflict.
    const recorded = step.events[0]!.data as EventData<'PaymentReversed'>
    if (step.alreadyDone && (recorded.reason !== input.reason || recorded.reversedOn !== input.reversedOn)) {
      refuse('payment_already_reversed', `payment ${input.paymentId} was reversed on ${recorded.reversedOn}: ${recorded.reason}`)
    }
    // A payment recorded by mistake gives its order number back: the same bank order may be recorded again, right.
    const payment = invoice.state.recorded.get(input.paymentId)
    if (payment) {
      const year = Number(payment.paidOn.slice(0, 4))
      await app.aggregates.runStep(paymentOrdersDecider, streams.paymentOrders(i.payerId, year), `${processId}:order`, {
        type: 'ReleasePaymentOrder', payerId: i.payerId, year, paymentOrder: payment.paymentOrder, paymentId: input.paymentId, releasedOn: recorded.reversedOn, reason: 'reversed',
      }, ctx.metadata)
    }
    const after = await app.aggregates.load(invoiceDecider, invoiceStream(input.invoiceId))
    return { streamId: invoiceStream(input.invoiceId), version: step.version, invoiceId: input.invoiceId, paid: after.state.paid, outstanding: amountDueOf(after.state) - after.state.paid }
  })
}

/**
 * Corrects a month that was closed and invoiced: a new completeness (lessons cancelled by the provider found
 * later, or a lower percentage), never a rewrite. The difference goes into the provider's next final invoice and
 * returns to the certificate once that invoice is paid in full.
 */
export async function correctMonth(
  app: Application,
  ctx: CommandContext,
  input: { contractId: string; month: IsoMonth; lessonsPlanned: number; lessonsCancelledByProvider: number; providerCompletenessBp: number | null; reason: string; correctedOn: IsoDate },
) {
  const contract = await loadContract(app, ctx, input.contractId)
  const r = contract.state.request
  const settled = contract.state.settled[input.month]
  if (!settled) refuse('month_not_settled', `${input.month} of contract ${input.contractId} is not closed yet: record its attendance instead`)
  const { contractId: _, ...rest } = input
  return idempotent(app, ctx, 'CorrectMonth', input, processIdFrom('correction'), async (correctionId) => {
    const step = await app.aggregates.runStep(contractDecider, streams.contract(input.contractId), `${correctionId}:correct`, {
      type: 'CorrectMonth', ...rest, correctionId, correctsInvoiceId: invoiceIds.final(r!.municipality, settled!.payerId, settled!.providerId, settled!.invoiceMonth),
    }, ctx.metadata, { expectedVersion: ctx.expectedVersion })
    const e = step.events[0]!.data as EventData<'ContractMonthCorrected'>
    return { streamId: streams.contract(input.contractId), version: step.version, correctionId, difference: e.lineAmount - e.previousLineAmount, correctsInvoiceId: e.correctsInvoiceId }
  })
}

/** Records a provider's attendance month for a contract; only the contract's provider may. */
export async function recordAttendance(
  app: Application,
  ctx: CommandContext,
  input: { contractId: string; month: IsoMonth; lessonsPlanned: number; lessonsCancelledByProvider: number; lessonsAttended: number; providerCompletenessBp: number | null; recordedOn: IsoDate },
) {
  await loadContract(app, ctx, input.contractId)
  const { contractId: _, ...attendance } = input
  return idempotent(app, ctx, 'RecordAttendance', input, processIdFrom('attendance'), async (processId) => {
    const step = await app.aggregates.runStep(contractDecider, streams.contract(input.contractId), `${processId}:attendance`, { type: 'RecordAttendance', ...attendance }, ctx.metadata, {
      expectedVersion: ctx.expectedVersion,
    })
    return { streamId: streams.contract(input.contractId), version: step.version }
  })
}

