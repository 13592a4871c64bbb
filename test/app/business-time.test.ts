import t, { type Test } from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionReader } from '../../projections/read.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { buildServer } from '../../src/api/server.ts'
import { changeCertificateType } from '../../src/app/certificates.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract, terminateContract } from '../../src/app/contracts.ts'
import { closeMonth } from '../../src/app/month-close.ts'
import { recordPayment } from '../../src/app/payments.ts'
import { openGroup, recordPopulation } from '../../src/app/registry.ts'
import { verifyLedger } from '../../src/audit/verify.ts'
import { createToken } from '../../src/auth/tokens.ts'
import type { Database } from '../../src/db/database.ts'
import { invoiceIds } from '../../src/domain/invoice.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { wholeLog } from '../helpers/invariants.ts'
import { activeCertificate, ctx, MUNICIPALITY, PERIOD, smallWorld } from '../helpers/world.ts'

// Issue 12: answers by business date, and the money defects an independent check found. Every expected figure is
// computed here from domain.md's formulas, in BigInt, not taken from the ledger.

const days = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b
const rub = (k: number) => (k / 100).toFixed(2)

/**
 * The setup of the issue: a group 2024-09-01..2025-05-31, price = normative = 6 000.00, a contract from 2024-09-09.
 * G = 273, D = 265, M = 9, d1 = 22: cert = ceil(265 × 600000 / 273) = 5 824.18, later months
 * floor(243 × cert / (265 × 8)) = 667.58, the first cert − 8 × 667.58 = 483.54, October's advance 80 % of 667.58
 * half-up = 534.06 (the issue's figures, recomputed here).
 */
function expected() {
  const G = BigInt(days('2024-09-01', '2025-05-31'))
  const D = BigInt(days('2024-09-09', '2025-05-31'))
  const d1 = BigInt(days('2024-09-09', '2024-09-30'))
  const cert = ceilDiv(D * 600000n, G)
  const other = ((D - d1) * cert) / (D * 8n)
  const first = cert - other * 8n
  const advance = (other * 80n * 2n + 100n) / 200n // half-up of other × 80 / 100
  return { cert: Number(cert), other: Number(other), first: Number(first), advance: Number(advance) }
}

async function issueSetup(t: Test) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS, { idleMs: 20 })
  const app = await buildServer({ db, store, ledger, runner })
  runner.start()
  t.teardown(async () => {
    await app.close()
    await runner.stop()
  })
  await smallWorld(ledger)
  await openGroup(ledger, ctx(), {
    groupId: 'flat-1',
    programmeId: 'robotics',
    startDate: '2024-09-01',
    endDate: '2025-05-31',
    price: 600000,
    normativeCost: 600000,
    capacity: 5,
  })
  const { number } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'flat-1', requestedOn: '2024-09-03', startDate: '2024-09-09' })
  await acceptContract(ledger, ctx(), { contractId: c.contractId, acceptedOn: '2024-09-05' })
  const header = async (role: 'operator' | 'payer' | 'auditor' | 'provider', scope: { payerId?: string; providerId?: string } = {}) => ({
    authorization: `Bearer ${(await createToken(db.sql, { role, ...scope })).token}`,
  })
  const list = (m: string) => new ProjectionReader(db.sql, store).contracts.openIds(m)
  return { db, store, ledger, runner, app, number, contractId: c.contractId, header, list }
}

const caughtUp = (runner: ProjectionRunner) => runner.catchUp()

const refusal = async (p: Promise<unknown>) => {
  try {
    await p
    return null
  } catch (error) {
    return (error as { code?: string }).code ?? String(error)
  }
}

t.test('write-offs at the start of the month, an advance deducted owes nothing, reconciliation by business date', async (t) => {
  const { ledger, runner, app, number, contractId, header, list } = await issueSetup(t)
  const x = expected()
  t.same([x.cert, x.other, x.first, x.advance], [582418, 66758, 48354, 53406], "the issue's figures, from the formulas")
  const operator = await header('operator')
  const certificateOn = async (asOf: string) => {
    const r = await app.inject({ url: `/v1/certificates/${number}?asOf=${asOf}`, headers: operator })
    t.equal(r.statusCode, 200, r.body)
    return r.json().periods.find((p: { periodId: string }) => p.periodId === PERIOD)
  }

  // The acceptance knows the first month: written off on the start date, not before.
  await caughtUp(runner)
  t.match(await certificateOn('2024-09-08'), { reserved: rub(x.cert), spent: '0.00' }, 'before the start nothing is spent')
  t.match(await certificateOn('2024-09-09'), { reserved: rub(x.cert - x.first), spent: rub(x.first) }, 'September spent on its first day for the contract')

  // The close of September (on 1 October) issues October's advance and writes October off, dated 1 October.
  const sep = await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-09', closedOn: '2024-10-01' }, list)
  await caughtUp(runner)
  const contract = (await app.inject({ url: `/v1/contracts/${contractId}`, headers: operator })).json()
  t.equal(contract.writtenOff, rub(x.first + x.other), 'from 1 October: September and October written off (1 151.12)')
  t.match(await certificateOn('2024-10-01'), { reserved: rub(x.cert - x.first - x.other), spent: rub(x.first + x.other) }, 'reserved 4 673.06, spent 1 151.12')
  t.match(await certificateOn('2024-09-30'), { spent: rub(x.first) }, 'on 30 September October is not spent yet')
  const advanceId = invoiceIds.advance(MUNICIPALITY, 'payer-1', 'prov-1', '2024-10')
  t.same(sep.advanceInvoices, [advanceId])

  // Pay 270.07 of the 534.06 advance on 5 October; close October on 1 November; pay the rest due on 8 November.
  await recordPayment(ledger, ctx(), { invoiceId: advanceId, amount: 27007, paidOn: '2024-10-05', paymentOrder: '1' })
  const oct = await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, list)
  await caughtUp(runner)
  const finalId = oct.finalInvoices[0]!
  const providerInvoices = async () =>
    (await app.inject({ url: '/v1/providers/prov-1/invoices?month=2024-10', headers: operator })).json().invoices as Record<string, string>[]
  const final = (await providerInvoices()).find((i) => i.kind === 'final')!
  t.match(final, { total: rub(x.other), advanceDeducted: '270.07', amountDue: rub(x.other - 27007) }, 'final: 667.58, 270.07 deducted, 397.51 due')
  await recordPayment(ledger, ctx(), { invoiceId: finalId, amount: x.other - 27007, paidOn: '2024-11-08', paymentOrder: '2' })
  await caughtUp(runner)

  const payer = await header('payer', { payerId: 'payer-1' })
  const reconciliation = async (on: string) => {
    const r = await app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10&on=${on}`, headers: payer })
    t.equal(r.statusCode, 200, r.body)
    return r.json()
  }
  const late = await reconciliation('2024-11-30')
  t.match(
    late.totals,
    { outstanding: '0.00', overdueOutstanding: '0.00', advancePaid: '270.07', finalPaid: rub(x.other - 27007) },
    "270.07 + 397.51 = the month's whole service: nothing owed",
  )
  t.equal(late.status, 'closed')
  const advance = (await providerInvoices()).find((i) => i.kind === 'advance')!
  t.match(advance, { outstanding: '0.00', status: 'deducted' }, 'the advance owes nothing once the final invoice deducted it')
  t.equal(
    await refusal(recordPayment(ledger, ctx(), { invoiceId: advanceId, amount: x.advance - 27007, paidOn: '2024-11-20', paymentOrder: '3' })),
    'advance_settled',
    'and a payment of its unpaid part is refused',
  )

  // As of a business date: only what was issued and paid by then.
  const before = await reconciliation('2024-10-04')
  t.match(
    before.totals,
    { advanceInvoiced: rub(x.advance), advancePaid: '0.00', outstanding: rub(x.advance), overdueOutstanding: '0.00', finalInvoiced: '0.00' },
    'on 4 October: advance issued, nothing paid, not overdue',
  )
  t.equal(before.status, 'not_closed', 'October was not closed on 4 October')
  t.match(before.note, /not closed on 2024-10-04/)
  const overdue = await reconciliation('2024-10-20')
  t.match(
    overdue.totals,
    { advancePaid: '270.07', outstanding: rub(x.advance - 27007), overdueOutstanding: rub(x.advance - 27007) },
    'on 20 October: 263.99 of the advance overdue',
  )
  const csv = await app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10&on=2024-10-04&format=csv`, headers: payer })
  t.match(csv.body, /Месяц 2024-10 не закрыт на 04\.10\.2024/, 'the CSV says so in a line')
  t.match(
    csv.body.split('\r\n')[0],
    /Аванс оплачен с просрочкой;.*Итоговый счёт оплачен с просрочкой/,
    'paid late: advances and finals in columns of their own',
  )
})

t.test('coverage on a past date counts the financing certificates held that day', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  await smallWorld(ledger)
  await recordPopulation(ledger, ctx(), { municipality: MUNICIPALITY, year: 2024, children5to18: 100 })
  const a = await activeCertificate(ledger, 1, 'financing')
  const b = await activeCertificate(ledger, 2, 'financing')
  const c = await activeCertificate(ledger, 3, 'accounting')
  await changeCertificateType(ledger, ctx(), { certificateNumber: b.number, to: 'accounting', periodId: PERIOD, on: '2025-01-20' })
  await changeCertificateType(ledger, ctx(), { certificateNumber: c.number, to: 'financing', periodId: PERIOD, on: '2025-01-28' })
  t.ok(a.number)
  await new ProjectionRunner(db.sql, store, PROJECTIONS).catchUp()
  const reader = new ProjectionReader(db.sql, store)
  // Held on each day, by hand: A throughout; B until 19 January; C from 28 January.
  for (const [day, financing] of [
    ['2025-01-10', 2],
    ['2025-01-24', 1],
    ['2025-01-30', 2],
  ] as const) {
    const answer = await reader.coverage.on(MUNICIPALITY, day)
    t.equal(answer.certificates.financing, financing, `${day}: ${financing} financing certificates held`)
    t.equal(answer.certificates.financingShare, (financing / 100).toFixed(4), `${day}: and the share of 100 children`)
    t.equal(answer.certificates.issued, 3, `${day}: three issued`)
  }
})

t.test('as of a business date on a history recorded later; known at a moment; impossible questions say so', async (t) => {
  const { store, ledger, runner, app, number, contractId, header, list } = await issueSetup(t)
  await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-09', closedOn: '2024-10-01' }, list)
  await caughtUp(runner)
  const x = expected()
  const auditor = await header('auditor')
  const get = (url: string) => app.inject({ url, headers: auditor })

  // The whole history was recorded today (2026 or later), its business dates are of 2024: the question is about 2024.
  const onDay = await get(`/v1/certificates/${number}?asOf=2024-09-30`)
  t.equal(onDay.statusCode, 200, 'a certificate issued 2024-09-02 exists on 2024-09-30, whenever it was recorded')
  t.match(onDay.json().periods[0], { spent: rub(x.first), reserved: rub(x.cert - x.first) })
  t.equal(onDay.json().asOf, '2024-09-30')
  const beforeIssue = await get(`/v1/certificates/${number}?asOf=2024-09-01`)
  t.equal(beforeIssue.statusCode, 404)
  t.match(beforeIssue.json().detail, /issued on 2024-09-02/, 'says when it was issued')

  // Known at a moment: before anything was recorded the ledger knew nothing; by event N, what it had then.
  const knownNothing = await get(`/v1/certificates/${number}?asOf=2024-09-30&knownAt=2020-01-01T00:00:00Z`)
  t.equal(knownNothing.statusCode, 404, 'recorded after 2020: unknown then')
  const log = await wholeLog(store)
  const reservation = log.find((e) => e.type === 'CertificateFundsReserved')!
  const knownAtReservation = await get(`/v1/certificates/${number}?asOf=2025-06-30&position=${reservation.globalPosition}`)
  t.equal(knownAtReservation.statusCode, 200)
  t.match(knownAtReservation.json().periods[0], { reserved: rub(x.cert), spent: '0.00' }, 'bitemporal: effective by June, as known right after the reservation')

  const contractOn = await get(`/v1/contracts/${contractId}?asOf=2024-09-30`)
  t.equal(contractOn.statusCode, 200)
  t.equal(contractOn.json().writtenOff, rub(x.first), 'the contract on 30 September: only September written off')
  t.equal((await get(`/v1/contracts/${contractId}?asOf=2024-09-02`)).statusCode, 404, 'requested on 2024-09-03')

  const history = await get(`/v1/certificates/${number}/history?asOf=2024-09-30`)
  t.equal(history.statusCode, 200)
  const writeOffs = history.json().events.filter((e: { type: string }) => e.type === 'CertificateFundsWrittenOff')
  t.same(
    writeOffs.map((e: { businessDate: string }) => e.businessDate),
    ['2024-09-09'],
    "October's write-off is not effective on 30 September",
  )
  const full = (await get(`/v1/certificates/${number}/history`)).json().events as { businessDate: string | null; money: { spentAfter: string } | null }[]
  const dates = full.map((e) => e.businessDate ?? '')
  t.same(dates, [...dates].sort(), 'the trail runs in business order')
  t.equal(full.filter((e) => e.money).at(-1)!.money!.spentAfter, rub(x.first + x.other))

  const russian = await get(`/v1/certificates/${number}?asOf=31.12.2023`)
  t.equal(russian.statusCode, 400)
  t.match(JSON.stringify(russian.json().errors), /YYYY-MM-DD.*2023-12-31/, 'a Russian date gets the expected format, and how to write it')

  const operator = await header('operator')
  const early = await app.inject({ url: `/v1/municipalities/${MUNICIPALITY}/coverage?date=2020-01-01`, headers: operator })
  t.equal(early.statusCode, 404)
  t.match(early.json(), { code: 'no_history_on_date', firstDate: '2024-09-02' })
  t.equal((await app.inject({ url: '/v1/municipalities/nowhere/coverage?date=2024-10-01', headers: operator })).statusCode, 404, 'an unknown municipality')
  t.equal((await app.inject({ url: '/v1/reconciliation?municipality=nowhere&month=2024-10', headers: operator })).statusCode, 404)
})

t.test('a termination recorded after the next month was written off returns that month, on the day it began', async (t) => {
  const { store, ledger, runner, app, number, contractId, header, list } = await issueSetup(t)
  const x = expected()
  await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-09', closedOn: '2024-10-01' }, list)
  // Recorded on 3 October, the parent had left on 28 September: October is not payable and returns.
  await terminateContract(ledger, ctx(), { contractId, terminatedOn: '2024-09-28', by: 'parent', reason: 'moved away' })
  const returned = (await wholeLog(store)).filter((e) => e.type === 'CertificateWriteOffReturned').map((e) => e.data)
  t.match(returned, [{ month: '2024-10', amount: x.other, returnedOn: '2024-10-01' }])
  await caughtUp(runner)
  const operator = await header('operator')
  const now = (await app.inject({ url: `/v1/certificates/${number}`, headers: operator })).json().periods[0]
  // Only September is spent; everything else is back: balance = 7 760.00 − 483.54.
  t.match(now, { spent: rub(x.first), reserved: '0.00', balance: rub(776000 - x.first) })
  for (const day of ['2024-09-30', '2024-10-01']) {
    const on = (await app.inject({ url: `/v1/certificates/${number}?asOf=${day}`, headers: operator })).json().periods[0]
    t.equal(on.spent, rub(x.first), `${day}: October never shows as spent`)
  }
  const novClose = await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, list)
  t.same(novClose.finalInvoices, [], 'nothing payable in October')
})

t.test('payments a payer can trust: not before the invoice, not in the future, one order number once a year, strict bodies', async (t) => {
  const { db, store, ledger, runner, app, header, list } = await issueSetup(t)
  const x = expected()
  const sep = await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-09', closedOn: '2024-10-01' }, list)
  const finalSep = sep.finalInvoices[0]!
  const advanceOct = sep.advanceInvoices[0]!
  const payer = await header('payer', { payerId: 'payer-1' })
  const pay = (invoiceId: string, body: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: `/v1/invoices/${invoiceId}/payments`, payload: body, headers: payer })

  const early = await pay(finalSep, { amount: '1.00', paidOn: '2024-09-30', paymentOrder: '10' })
  t.equal(early.statusCode, 422)
  t.equal(early.json().code, 'payment_before_invoice', 'issued on 2024-10-01: a payment of 30 September is refused')
  const future = await pay(finalSep, { amount: '1.00', paidOn: '2099-01-01', paymentOrder: '10' })
  t.equal(future.statusCode, 422)
  t.equal(future.json().code, 'date_in_future')
  const unknownField = await pay(finalSep, { amount: '1.00', paidOn: '2024-10-08', paymentOrder: '10', paidBy: 'cash' })
  t.equal(unknownField.statusCode, 400)
  t.match(unknownField.json().errors, [{ path: 'paidBy', message: /unknown field/ }], 'a field the route does not take is named')

  const first = await pay(finalSep, { amount: rub(x.first), paidOn: '2024-10-08', paymentOrder: '10', paymentId: 'pay-10' })
  t.equal(first.statusCode, 201, first.body)
  const again = await pay(finalSep, { amount: rub(x.first), paidOn: '2024-10-08', paymentOrder: '10', paymentId: 'pay-10' })
  t.equal(again.statusCode, 201, 'the same payment retried answers as before')
  const reused = await pay(advanceOct, { amount: '100.00', paidOn: '2024-10-09', paymentOrder: '10' })
  t.equal(reused.statusCode, 409)
  t.equal(reused.json().code, 'payment_order_reused', 'order № 10 of 2024 already paid another invoice')
  const nextYear = await pay(advanceOct, { amount: '100.00', paidOn: '2024-10-09', paymentOrder: '11' })
  t.equal(nextYear.statusCode, 201, 'another number is fine')
  const reverse = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${advanceOct}/payments/${nextYear.json().paymentId}/reversal`,
    payload: { reversedOn: '2024-10-09', reason: 'wrong amount' },
    headers: payer,
  })
  t.equal(reverse.statusCode, 201, reverse.body)
  const rekeyed = await pay(advanceOct, { amount: '200.00', paidOn: '2024-10-09', paymentOrder: '11' })
  t.equal(rekeyed.statusCode, 201, 'a reversed payment gives its order number back')
  const reversalBefore = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${advanceOct}/payments/${rekeyed.json().paymentId}/reversal`,
    payload: { reversedOn: '2024-10-01', reason: 'x' },
    headers: payer,
  })
  t.equal(reversalBefore.json().code, 'reversal_before_payment')

  await caughtUp(runner)
  t.equal((await verifyLedger(db.sql, store)).ok, true, 'verify holds on the honest history')
  // A payment dated before its invoice, written behind the ledger's back (the command refuses it): verify names it.
  const version = (await store.streamVersion(`invoice-${finalSep}`))!
  await store.append(
    `invoice-${finalSep}`,
    [
      {
        eventId: '00000000-0000-4000-8000-00000000beef',
        type: 'PaymentRecorded',
        schemaVersion: 1,
        data: {
          invoiceId: finalSep,
          kind: 'final',
          payerId: 'payer-1',
          providerId: 'prov-1',
          month: '2024-09',
          paymentId: 'forged',
          amount: 1,
          paidOn: '2024-09-15',
          paymentOrder: '99',
          overdue: false,
        },
        metadata: { actor: 'test', correlationId: 'forged' },
      },
    ],
    { expectedVersion: version },
  )
  const report = await verifyLedger(db.sql, store, { skipProjections: true })
  t.ok(
    report.problems.some((p) => /dated before the invoice was issued/.test(p.detail) && p.found === 'paid on 2024-09-15'),
    'verify names a payment before its invoice',
  )
})

t.test('old event versions are upcast when read: a v1 write-off counts from the 1st of its month', async (t) => {
  const db: Database = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  await smallWorld(ledger)
  const { number } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  // An acceptance as an old ledger recorded it: the contract accepted, its October written off by a v1 event.
  await store.append(
    `contract-${c.contractId}`,
    [
      {
        eventId: '00000000-0000-4000-8000-0000000000a1',
        type: 'ContractAccepted',
        schemaVersion: 1,
        data: { contractId: c.contractId, certificateNumber: number, acceptedOn: '2024-10-02' },
        metadata: { actor: 'old', correlationId: 'old' },
      },
    ],
    { expectedVersion: 0 },
  )
  const certVersion = (await store.streamVersion(`certificate-${number}`))!
  await store.append(
    `certificate-${number}`,
    [
      {
        eventId: '00000000-0000-4000-8000-0000000000a2',
        type: 'CertificateFundsWrittenOff',
        schemaVersion: 1,
        data: { certificateNumber: number, periodId: PERIOD, contractId: c.contractId, month: '2024-10', amount: 43595 },
        metadata: { actor: 'old', correlationId: 'old' },
      },
    ],
    { expectedVersion: certVersion },
  )
  const reader = new ProjectionReader(db.sql, store)
  const asOf = async (on: string) => (await reader.certificates.asOf(number, { on, known: {} })).view!.periods[0]!.spent
  t.equal(await asOf('2024-09-30'), '0.00')
  t.equal(await asOf('2024-10-01'), '435.95', 'version 1 carries no date: it reads as effective on the 1st of its month')
  // The decider reads it too: the close does not write October off again.
  await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, (m) => reader.contracts.openIds(m))
  const octWriteOffs = (await wholeLog(store)).filter((e) => e.type === 'CertificateFundsWrittenOff' && (e.data as { month: string }).month === '2024-10')
  t.equal(octWriteOffs.length, 1, 'October written off once')
  await new ProjectionRunner(db.sql, store, PROJECTIONS).catchUp()
  t.equal((await verifyLedger(db.sql, store)).ok, true, 'a log with both versions verifies')
})
