import type { EventData } from '../../events/index.ts'
import { certificateDecider } from '../domain/certificate.ts'
import { type ContractState, contractDecider, monthsToWriteOff, payableMonths } from '../domain/contract.ts'
import { addMonths, firstDayOfMonth, type IsoDate, type IsoMonth, lastDayOfMonth } from '../domain/dates.ts'
import { refuse } from '../domain/errors.ts'
import { invoiceDecider, invoiceIds, invoiceNumber } from '../domain/invoice.ts'
import { municipalityDecider } from '../domain/municipality.ts'
import { providerDecider } from '../domain/provider.ts'
import { ADVANCE_PERCENT, advanceAmount, checkCloseable, settlementDecider } from '../domain/settlement.ts'
import { WrongExpectedVersionError } from '../store/port.ts'
import { forEachConcurrently } from './concurrently.ts'
import { type Application, type CommandContext, type CommandOutcome, idempotent } from './context.ts'
import { closeContract, refuseContract } from './contracts.ts'
import { refundShortfalls } from './payments.ts'
import { Process } from './process.ts'
import { reaches, requireReach } from './scope.ts'
import { streams } from './streams.ts'

// The payer's month close (domain.md, "Monthly cycle"): one process named after the municipality and the month, in
// phases — gather what every contract owes and is owed, issue the final invoices of the month, issue the advance
// invoices of the next, close the contracts whose month is over, record MonthClosed. Every step's events derive
// their ids from the process, so closing a month twice appends nothing the second time, and closing it again after a
// crash finishes exactly what was missing. MonthClosed is the last step: a month counts as closed once all is written.

/** The contracts of a municipality that a close must look at (requested, accepted or terminated ones). */
export type ContractLister = (municipality: string) => Promise<string[]>

/** A close's counts; `streamId`/`version` are the municipality's settlement stream after it, for If-Match. */
export interface MonthCloseOutcome extends CommandOutcome {
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

/**
 * Contracts (and invoices) of a close handled at once: enough for their steps to travel to the store together in
 * large batches, few enough that a close's memory stays small.
 */
const CLOSE_CONCURRENCY = 256

/** What one payer owes one provider in the month closed: the settled lines, the corrections, the next advance. */
interface PayerAndProvider {
  payerId: string
  providerId: string
  lines: EventData<'ContractMonthSettled'>[]
  corrections: EventData<'FinalInvoiceIssued'>['corrections']
  advances: EventData<'AdvanceInvoiceIssued'>['lines']
}

/** One run of a close: its input, its process, and what its phases gather and report. */
interface CloseRun {
  municipality: string
  month: IsoMonth
  closedOn: IsoDate
  next: IsoMonth
  processId: string
  /** The close's steps; nested commands run with `p.nested()`, never with the client's idempotency key. */
  p: Process
  outcome: MonthCloseOutcome
  /** By payer and provider (a structured key: the ids themselves are in the value). */
  pairs: Map<string, PayerAndProvider>
  /** When each contract was requested: its date on the invoice lines. */
  contractDates: Map<string, IsoDate>
  /** Contracts whose month is over: closed only after the invoices are issued, so a close interrupted before its
   * invoices still finds them open when it runs again, and with them the lines they earned. */
  toClose: { contractId: string; closesOn: IsoDate }[]
  /** Each provider's advance claims, read once per close. */
  advanceClaims: Map<string, Map<string, number>>
}

/** The step id of a payer–provider pair's invoice: kept as it always was, so a close crashed on older code resumes. */
const pairStep = (p: { payerId: string; providerId: string }) => `${p.payerId}|${p.providerId}`

function pairOf(run: CloseRun, payerId: string, providerId: string): PayerAndProvider {
  const key = JSON.stringify([payerId, providerId])
  let pair = run.pairs.get(key)
  if (!pair) run.pairs.set(key, (pair = { payerId, providerId, lines: [], corrections: [], advances: [] }))
  return pair
}

/** A close's working state: what it has gathered so far and the outcome it will answer with. */
function newCloseRun(app: Application, ctx: CommandContext, input: { municipality: string; month: IsoMonth; closedOn: IsoDate }, processId: string): CloseRun {
  const { municipality, month, closedOn } = input
  return {
    municipality,
    month,
    closedOn,
    next: addMonths(month, 1),
    processId,
    p: new Process(app, { metadata: { ...ctx.metadata, causationId: processId, idempotencyKey: null } }, 'month-close', processId),
    outcome: {
      streamId: streams.settlement(municipality),
      version: null,
      municipality,
      month,
      closedOn,
      contractsWrittenOff: 0,
      contractsClosed: 0,
      requestsExpired: 0,
      finalInvoices: [],
      advanceInvoices: [],
      alreadyClosed: false,
    },
    pairs: new Map(),
    contractDates: new Map(),
    toClose: [],
    advanceClaims: new Map(),
  }
}

export async function closeMonth(
  app: Application,
  ctx: CommandContext,
  input: { municipality: string; month: IsoMonth; closedOn: IsoDate },
  listContracts: ContractLister,
): Promise<MonthCloseOutcome> {
  const { municipality, month, closedOn } = input
  const settlementStream = streams.settlement(municipality)
  const settlement = await app.aggregates.load(settlementDecider, settlementStream)
  await requireMonthInScope(app, ctx, municipality, month)
  // A closed month is answered from its record: closing it again runs nothing.
  const recorded = settlement.state.closed[month]
  if (recorded) {
    const { municipality: _, month: __, ...counts } = recorded
    return { streamId: settlementStream, version: settlement.version, municipality, month, ...counts, alreadyClosed: true }
  }
  checkCloseable(settlement.state, month, closedOn)
  // With If-Match the caller names the version of the municipality's settlement stream it saw (its last close).
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== (settlement.version ?? 'no_stream')) {
    throw new WrongExpectedVersionError(settlementStream, ctx.expectedVersion, settlement.version)
  }
  const processId = `close:${municipality}:${month}`
  return idempotent(
    app,
    ctx,
    'CloseMonth',
    input,
    () => processId,
    async () => {
      const run = newCloseRun(app, ctx, input, processId)
      // Contracts are independent of each other: many at once, so their steps travel to the store together.
      await forEachConcurrently(await listContracts(municipality), CLOSE_CONCURRENCY, (contractId) => gatherContract(app, run, contractId))
      await forEachConcurrently(
        [...run.pairs.values()].filter((p) => p.lines.length > 0 || p.corrections.length > 0),
        CLOSE_CONCURRENCY,
        (p) => issueFinalInvoice(app, run, p),
      )
      await forEachConcurrently(
        [...run.pairs.values()].filter((p) => p.advances.length > 0),
        CLOSE_CONCURRENCY,
        (p) => issueAdvanceInvoice(app, run, p),
      )
      await forEachConcurrently(run.toClose, CLOSE_CONCURRENCY, async (c) => {
        await closeContract(app, run.p.ctx, { contractId: c.contractId, closedOn: c.closesOn })
        run.outcome.contractsClosed++
      })
      return recordClose(app, run)
    },
  )
}

/**
 * Only a municipality the ledger knows (a financing period opened) has months to close; a payer closes the months of
 * the periods it pays for (src/app/scope.ts).
 */
async function requireMonthInScope(app: Application, ctx: CommandContext, municipality: string, month: IsoMonth) {
  const periods = [...(await app.aggregates.load(municipalityDecider, streams.municipality(municipality))).state.periods.values()]
  if (periods.length === 0) refuse('municipality_not_found', `no financing period of ${municipality} is open: there is no month to close`)
  const payers = periods.filter((p) => p.startDate <= lastDayOfMonth(month) && p.endDate >= firstDayOfMonth(month)).map((p) => p.payerId)
  const id = `${municipality} ${month}`
  if (!payers.some((payer) => reaches(ctx.caller, { kind: 'month', id, payer }))) requireReach(ctx.caller, { kind: 'month', id, payer: payers[0] ?? null })
}

/** Phase 1, per contract: expire it, or write off and settle its months, collect its corrections and next advance. */
async function gatherContract(app: Application, run: CloseRun, contractId: string) {
  const contract = await app.aggregates.load(contractDecider, streams.contract(contractId))
  const r = contract.state.request
  if (!r) return
  if (contract.state.status === 'requested') return expireRequest(app, run, contractId, r)
  if (r.kind === 'financing' && r.payerId) {
    run.contractDates.set(contractId, r.requestedOn)
    await writeOffBegunMonths(app, run, contractId, contract.state)
    await settleMonths(app, run, contractId, contract.state)
    collectCorrections(run, contractId, contract.state)
    await collectAdvance(app, run, contractId, contract.state)
  }
  // A termination's month, or the contract's last one, is over: it closes and its place becomes free.
  const status = contract.state.status
  const closesOn = status === 'terminated' ? contract.state.closesOn! : status === 'accepted' ? r.endDate : null
  if (closesOn !== null && closesOn <= lastDayOfMonth(run.month)) run.toClose.push({ contractId, closesOn })
}

/** Requests nobody answered for two months are refused, their money and place given back. */
async function expireRequest(app: Application, run: CloseRun, contractId: string, r: EventData<'ContractRequested'>) {
  if (r.requestedOn >= firstDayOfMonth(addMonths(run.month, -1))) return
  await refuseContract(app, run.p.ctx, { contractId, refusedOn: run.closedOn, by: 'system', reason: 'not accepted within two months' })
  run.outcome.requestsExpired++
}

/**
 * Every payable month up to the next one not yet written off (a contract accepted late catches up): its certificate
 * amount moves from reserved to spent on the day it begins for the contract — the next month's on its 1st, so the
 * money an advance claims is spent when its month starts.
 */
async function writeOffBegunMonths(app: Application, run: CloseRun, contractId: string, state: ContractState) {
  const r = state.request!
  for (const w of monthsToWriteOff(state, run.next)) {
    const step = await run.p.step(certificateDecider, streams.certificate(r.certificateNumber), `write-off:${contractId}:${w.month}`, {
      type: 'WriteOff',
      contractId,
      month: w.month,
      amount: w.amount,
      effectiveOn: w.effectiveOn,
    })
    if (step.events.length > 0) run.outcome.contractsWrittenOff++
  }
}

/** Every payable month up to the one closed is settled on the contract (completeness from the attendance): lines. */
async function settleMonths(app: Application, run: CloseRun, contractId: string, state: ContractState) {
  const r = state.request!
  for (const m of payableMonths(state).filter((x) => x <= run.month)) {
    const s = await run.p.step(contractDecider, streams.contract(contractId), `settle:${contractId}:${m}`, {
      type: 'SettleMonth',
      month: m,
      invoiceMonth: run.month,
      settledOn: run.closedOn,
    })
    for (const e of s.events) if (e.type === 'ContractMonthSettled') pairOf(run, r.payerId!, r.providerId).lines.push(e.data)
  }
}

/** Corrections of months invoiced before go into this month's final invoice of their payer and provider. */
function collectCorrections(run: CloseRun, contractId: string, state: ContractState) {
  for (const c of Object.values(state.corrections).filter((x) => !x.invoiced)) {
    pairOf(run, c.payerId, c.providerId).corrections.push({
      correctionId: c.correctionId,
      contractId,
      certificateNumber: c.certificateNumber,
      month: c.month,
      correctsInvoiceId: c.correctsInvoiceId,
      amount: c.lineAmount - c.previousLineAmount,
    })
  }
}

/** The next month's advance line, for a contract still payable then: 80 % unless the provider claimed less. */
async function collectAdvance(app: Application, run: CloseRun, contractId: string, state: ContractState) {
  const r = state.request!
  const nextAmount = r.schedule.find((s) => s.month === run.next)?.certificate ?? 0
  if (nextAmount === 0 || !payableMonths(state).includes(run.next)) return
  let claims = run.advanceClaims.get(r.providerId)
  if (!claims) run.advanceClaims.set(r.providerId, (claims = (await app.aggregates.load(providerDecider, streams.provider(r.providerId))).state.advanceClaims))
  const percent = claims.get(`${r.payerId}|${run.next}`) ?? ADVANCE_PERCENT
  pairOf(run, r.payerId!, r.providerId).advances.push({
    contractId,
    certificateNumber: r.certificateNumber,
    monthAmount: nextAmount,
    amount: advanceAmount(nextAmount, percent),
  })
}

const byContractAndMonth = (a: { contractId: string; month: string }, b: { contractId: string; month: string }) =>
  a.contractId === b.contractId ? (a.month < b.month ? -1 : 1) : a.contractId < b.contractId ? -1 : 1

/** Phase 2: the final invoice of the month for a payer and provider, the advance paid for the month deducted. */
async function issueFinalInvoice(app: Application, run: CloseRun, pair: PayerAndProvider) {
  const { municipality, month } = run
  const { payerId, providerId } = pair
  const advance = await app.aggregates.load(invoiceDecider, streams.invoice(invoiceIds.advance(municipality, payerId, providerId, month)))
  const invoiceId = invoiceIds.final(municipality, payerId, providerId, month)
  const lines = [...pair.lines].sort(byContractAndMonth)
  const corrections = [...pair.corrections].sort((a, b) => (a.correctionId < b.correctionId ? -1 : 1))
  const total = lines.reduce((sum, l) => sum + l.lineAmount, 0) + corrections.reduce((sum, c) => sum + c.amount, 0)
  const issued = await run.p.step(invoiceDecider, streams.invoice(invoiceId), `final:${pairStep(pair)}`, {
    type: 'IssueFinalInvoice',
    invoice: {
      invoiceId,
      number: invoiceNumber('F', month, municipality, payerId, providerId),
      payerId,
      providerId,
      municipality,
      month,
      issuedOn: run.closedOn,
      lines: lines.map((l) => ({
        contractId: l.contractId,
        certificateNumber: l.certificateNumber,
        contractDate: run.contractDates.get(l.contractId)!,
        month: l.month,
        monthAmount: l.monthAmount,
        completenessBp: l.completenessBp,
        lineAmount: l.lineAmount,
      })),
      corrections,
      total,
      advanceDeducted: advance.state.paid,
      amountDue: total - advance.state.paid,
    },
  })
  run.outcome.finalInvoices.push(invoiceId)
  const final = issued.events[0]?.data as EventData<'FinalInvoiceIssued'> | undefined
  // The corrections the issued invoice carries (as recorded, also when finishing a crashed close) are invoiced.
  for (const c of final?.corrections ?? []) {
    await run.p.step(contractDecider, streams.contract(c.contractId), `correction:${c.correctionId}`, {
      type: 'MarkCorrectionInvoiced',
      correctionId: c.correctionId,
      invoiceId,
      invoicedOn: run.closedOn,
    })
  }
  // Nothing left to pay (the advance covered it exactly): settled as issued, its shortfalls return now. With a
  // negative amount the provider owes money back; its shortfalls wait until that is settled.
  if (final && final.amountDue === 0 && final.total >= 0) await refundShortfalls(app, run.p.ctx, invoiceId)
}

/** Phase 3: the advance invoice of the next month for a payer and provider. */
async function issueAdvanceInvoice(app: Application, run: CloseRun, pair: PayerAndProvider) {
  const { municipality, next } = run
  const { payerId, providerId } = pair
  const invoiceId = invoiceIds.advance(municipality, payerId, providerId, next)
  await run.p.step(invoiceDecider, streams.invoice(invoiceId), `advance:${pairStep(pair)}`, {
    type: 'IssueAdvanceInvoice',
    invoice: {
      invoiceId,
      number: invoiceNumber('A', next, municipality, payerId, providerId),
      payerId,
      providerId,
      municipality,
      month: next,
      issuedOn: run.closedOn,
      lines: [...pair.advances].sort((a, b) => (a.contractId < b.contractId ? -1 : 1)),
      total: pair.advances.reduce((s, l) => s + l.amount, 0),
    },
  })
  run.outcome.advanceInvoices.push(invoiceId)
}

/** Phase 5: MonthClosed, whose content must be the same when a close interrupted half-way runs again. */
async function recordClose(app: Application, run: CloseRun): Promise<MonthCloseOutcome> {
  const o = run.outcome
  o.finalInvoices.sort()
  o.advanceInvoices.sort()
  const step = await run.p.step(settlementDecider, streams.settlement(run.municipality), `closed`, {
    type: 'RecordMonthClosed',
    municipality: run.municipality,
    month: run.month,
    closedOn: run.closedOn,
    contractsWrittenOff: o.contractsWrittenOff,
    contractsClosed: o.contractsClosed,
    requestsExpired: o.requestsExpired,
    finalInvoices: o.finalInvoices,
    advanceInvoices: o.advanceInvoices,
  })
  o.version = step.version
  return o
}
