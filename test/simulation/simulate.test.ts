import t from 'tap'
import { ProjectionReader } from '../../projections/read.ts'
import { Application } from '../../src/app/context.ts'
import { verifyLedger } from '../../src/audit/verify.ts'
import { makePlan } from '../../src/simulation/plan.ts'
import { SCENARIOS, scaled } from '../../src/simulation/scenarios.ts'
import { simulate } from '../../src/simulation/simulate.ts'
import type { RecordedEvent } from '../../src/store/port.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { figures, violations, wholeLog } from '../helpers/invariants.ts'
import { quoteReference } from '../helpers/pricing-reference.ts'

// A small Tambov district year (2 % of it: about 50 certificates, 3 providers), run through the commands and
// checked against the rules of domain.md computed here, independently of the ledger's own code.
const scenario = scaled(SCENARIOS['tambov-2023']!, 0.02)
const SEED = 7

// biome-ignore lint/suspicious/noExplicitAny: event data of many types, read by field name
type Data = Record<string, any>
const data = (e: RecordedEvent) => e.data as Data

async function run(t: Parameters<typeof testDatabase>[0], seed = SEED, of = scenario) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  const reader = new ProjectionReader(db.sql, store)
  const result = await simulate(app, (m) => reader.contracts.openIds(m), { scenario: of, seed })
  return { db, store, result, log: await wholeLog(store) }
}

t.test('the plan is a function of the seed', async (t) => {
  const a = JSON.stringify(makePlan(scenario, SEED))
  t.equal(JSON.stringify(makePlan(scenario, SEED)), a, 'the same seed, the same plan')
  t.not(JSON.stringify(makePlan(scenario, SEED + 1)), a, 'another seed, another plan')
  const plan = makePlan(scenario, SEED)
  t.equal(plan.children.length, scenario.certificates)
  t.equal(plan.providers.length, scenario.providers)
  for (const g of plan.groups) t.ok(g.planned <= g.capacity, `group ${g.groupId}: no more requests planned than places`)
})

t.test('a simulated year: every rule holds, every kopeck adds up, the ledger verifies', async (t) => {
  const { db, store, result, log } = await run(t)
  t.equal(result.certificates.issued, scenario.certificates, 'every certificate issued')
  t.equal(result.months.length, 9, 'September to May')
  t.same(violations(log), [], 'balances never below zero; places and money follow the contracts')
  const f = figures(log)
  t.ok(
    [...f.financingPlaces.values()].every((s) => s.size <= scenario.financingCap),
    'no more financing certificates than the cap',
  )
  t.equal(log.filter((e) => e.type === 'MonthClosed').length, 9, 'each month closed once')
  t.ok(result.contracts.accepted > 0 && result.attendanceRecords > 0, 'children enrolled and attended')

  // Every contract's quote, from the group's price and normative cost and the certificate's balance at the time.
  const groups = new Map(log.filter((e) => e.type === 'GroupOpened').map((e) => [data(e).groupId as string, data(e)]))
  const balance = new Map<string, number>()
  const monthAmounts = new Map<string, number>()
  // The request reserves before it records the contract: its quote saw the balance before that reservation.
  const reservedFor = new Map<string, number>()
  let quotes = 0
  for (const e of log) {
    const d = data(e)
    const key = `${d.certificateNumber}|${d.periodId}`
    if (e.type === 'NominalCredited') balance.set(key, (balance.get(key) ?? 0) + d.amount)
    if (e.type === 'CertificateTypeChanged') balance.set(key, (balance.get(key) ?? 0) - d.nominalWithdrawn)
    if (e.type === 'CertificateFundsReserved') {
      balance.set(key, (balance.get(key) ?? 0) - d.amount)
      reservedFor.set(d.contractId, d.amount)
    }
    if (e.type === 'CertificateReservationReleased' || e.type === 'ShortfallRefunded' || e.type === 'CertificateWriteOffReturned')
      balance.set(key, (balance.get(key) ?? 0) + d.amount)
    if (e.type === 'ContractRequested' && d.payerId) {
      const g = groups.get(d.groupId)!
      const certKey = `${d.certificateNumber}|${d.periodId}`
      const r = quoteReference(
        g.startDate,
        g.endDate,
        d.startDate,
        d.endDate,
        BigInt(g.price),
        BigInt(g.normativeCost),
        BigInt((balance.get(certKey) ?? 0) + (reservedFor.get(d.contractId) ?? 0)),
      )
      if (Number(r.cert) !== d.quote.certificate || Number(r.all) !== d.quote.all)
        t.fail(`contract ${d.contractId}: quote ${JSON.stringify(d.quote)}, by hand ${r.cert}/${r.all}`)
      for (const s of d.schedule as { month: string; certificate: number }[]) {
        const expected = s.month === d.startDate.slice(0, 7) ? Number(r.first) : Number(r.other)
        if (s.certificate !== expected) t.fail(`contract ${d.contractId} ${s.month}: ${s.certificate}, by hand ${expected}`)
        monthAmounts.set(`${d.contractId}|${s.month}`, s.certificate)
      }
      quotes++
    }
  }
  t.ok(quotes > 10, `${quotes} certificate-funded quotes checked by hand`)

  // Write-offs are the months of the schedules; invoice lines the month's amount times completeness, half-up.
  for (const e of log.filter((x) => x.type === 'CertificateFundsWrittenOff')) {
    const d = data(e)
    if (monthAmounts.get(`${d.contractId}|${d.month}`) !== d.amount) t.fail(`write-off of ${d.contractId} ${d.month}: ${d.amount}`)
  }
  const attendance = new Map(log.filter((e) => e.type === 'AttendanceRecorded').map((e) => [`${data(e).contractId}|${data(e).month}`, data(e)]))
  const finals = log.filter((e) => e.type === 'FinalInvoiceIssued').map(data)
  let lines = 0
  let reduced = 0
  for (const inv of finals) {
    let total = 0
    for (const l of inv.lines as Data[]) {
      const a = attendance.get(`${l.contractId}|${l.month}`)
      let [num, den] = [1n, 1n]
      if (a) {
        ;[num, den] = [BigInt(a.lessonsPlanned - a.lessonsCancelledByProvider), BigInt(a.lessonsPlanned)]
        if (a.providerCompletenessBp !== null && BigInt(a.providerCompletenessBp) * den < num * 10000n) [num, den] = [BigInt(a.providerCompletenessBp), 10000n]
      }
      const expected = Number((2n * BigInt(l.monthAmount) * num + den) / (2n * den))
      if (l.monthAmount !== monthAmounts.get(`${l.contractId}|${l.month}`)) t.fail(`line ${l.contractId} ${l.month}: month amount ${l.monthAmount}`)
      if (l.lineAmount !== expected) t.fail(`line ${l.contractId} ${l.month}: ${l.lineAmount}, by hand ${expected}`)
      if (expected < l.monthAmount) reduced++
      total += l.lineAmount
      lines++
    }
    t.equal(inv.total, total + (inv.corrections as Data[]).reduce((s, c) => s + c.amount, 0), `${inv.number}: total = the sum of its lines`)
    t.equal(inv.amountDue, inv.total - inv.advanceDeducted, `${inv.number}: due = total − advance paid`)
  }
  t.ok(lines > 0 && reduced > 0, `${lines} lines checked, ${reduced} of them below 100 %`)

  // The payer paid every invoice in full, some in two parts, some after the 10th (and those are marked overdue).
  const paid = new Map<string, number>()
  for (const e of log.filter((x) => x.type === 'PaymentRecorded')) {
    const d = data(e)
    paid.set(d.invoiceId, (paid.get(d.invoiceId) ?? 0) + d.amount)
    const deadline = d.kind === 'final' ? `${nextMonth(d.month)}-10` : `${d.month}-10`
    if (d.overdue !== d.paidOn > deadline) t.fail(`payment ${d.paymentId} on ${d.paidOn}: overdue ${d.overdue}, deadline ${deadline}`)
  }
  for (const inv of finals) if (inv.amountDue > 0) t.equal(paid.get(inv.invoiceId), inv.amountDue, `${inv.number} paid in full`)

  const report = await verifyLedger(db.sql, store)
  t.equal(report.firstProblem, null, 'ledger verify finds nothing')
  t.ok(report.ok)
})

t.test('the same seed gives the same history: every stream the same events with the same data', async (t) => {
  // 5 % of the district: three providers, so several invoices a month are paid concurrently.
  const larger = scaled(SCENARIOS['tambov-2023']!, 0.05)
  const first = await run(t, SEED, larger)
  const second = await run(t, SEED, larger)
  // Commands of different children run concurrently, so where they meet in one stream (a group's places, the
  // municipality's financing places) their events may land in another order; what each stream holds is the same.
  const byStream = (log: RecordedEvent[]) => {
    const m = new Map<string, string[]>()
    for (const e of log) m.set(e.streamId, [...(m.get(e.streamId) ?? []), `${e.type} ${JSON.stringify(e.data)}`])
    return [...m].map(([id, events]) => [id, events.sort()] as const).sort(([a], [b]) => (a < b ? -1 : 1))
  }
  // Event ids of commands sent without an idempotency key are random, as over the API; what happened is the same.
  t.equal(first.log.length, second.log.length, 'as many events')
  t.same(byStream(second.log), byStream(first.log), 'the same events in every stream')
  t.same(second.result.refusals, first.result.refusals)
  t.same(second.result.payments, first.result.payments, 'the same payments, partial and late ones alike')
})

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`
}
