import t, { type Test } from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionReader } from '../../projections/read.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, correctMonth, recordAttendance, requestContract, terminateContract } from '../../src/app/contracts.ts'
import { closeMonth } from '../../src/app/month-close.ts'
import { recordPayment, reversePayment } from '../../src/app/payments.ts'
import { claimAdvance } from '../../src/app/registry.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { invoiceIds } from '../../src/domain/invoice.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { figures, violations, wholeLog } from '../helpers/invariants.ts'
import { activeCertificate, ctx, MUNICIPALITY, providerCtx, smallWorld } from '../helpers/world.ts'

// Months of a small municipality, every figure computed here by hand from domain.md:
//  A: the worked example, from 2024-10-15: certificate part 5 871.80, October 435.95, later months 776.55.
//  B: from 2024-10-01 (D = 243, d1 = 31, M = 8): all = ceil(243 × 9 000.00 / 273) = 8 010.99,
//     ns = ceil(243 × 7 000.00 / 273) = 6 230.77 = the certificate part; later months
//     floor(212 × 623 077 / (243 × 7)) = 776.55, October 6 230.77 − 7 × 776.55 = 794.92.
const A_OCT = 43595
const B_OCT = 79492
const LATER = 77655
const ADV = 62124 // 80 % of 776.55 = 621.24 exactly

/** A small municipality ready for its months: the store, the application, the read side and the close's lister. */
async function months(t: Test, world: Parameters<typeof smallWorld>[1] = {}) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  const reader = new ProjectionReader(db.sql, store)
  await smallWorld(app, world)
  return { db, store, app, reader, list: (m: string) => reader.contracts.openIds(m) }
}

const refusal = async (p: Promise<unknown>) => {
  try {
    await p
    return null
  } catch (error) {
    if (error instanceof DomainError) return error.code
    throw error
  }
}

t.test('a school year on a small municipality: write-offs, attendance, invoices, payments, refunds, termination, order', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  let crashAt: string | null = null
  const app = new Application(store, (point) => {
    if (point === crashAt) {
      crashAt = null
      throw new Error(`simulated crash at ${point}`)
    }
  })
  const reader = new ProjectionReader(db.sql, store)
  const list = (m: string) => reader.contracts.openIds(m)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS)
  // After every step: the double-entry accounts of every certificate equal its figures computed from the events,
  // and debits equal credits.
  const books = async (step: string) => {
    await runner.catchUp()
    const balances = new Map(
      (await db.sql<{ account: string; balance: string }[]>`SELECT account, balance::text AS balance FROM reporting.account_balances`).map((r) => [
        r.account,
        r.balance,
      ]),
    )
    const f = figures(await wholeLog(store))
    for (const [key, m] of f.money) {
      const [n, period] = key.split('|')
      for (const [part, value] of [
        ['available', m.balance],
        ['reserved', m.reserved],
        ['spent', m.spent],
      ] as const) {
        const found = balances.get(`certificate:${n}:${period}:${part}`) ?? '0.00'
        if (found !== (value / 100).toFixed(2)) t.fail(`${step}: ${n} ${part} account ${found}, figures ${(value / 100).toFixed(2)}`)
      }
    }
    const [sums] = await db.sql<
      { d: string; c: string }[]
    >`SELECT coalesce(sum(debits), 0)::text AS d, coalesce(sum(credits), 0)::text AS c FROM reporting.account_balances`
    t.equal(sums!.d, sums!.c, `${step}: the books balance`)
  }
  await smallWorld(app, { groups: 2 })
  const a = await activeCertificate(app, 1)
  const b = await activeCertificate(app, 2)
  const ca = await requestContract(app, ctx(), { certificateNumber: a.number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  const cb = await requestContract(app, ctx(), { certificateNumber: b.number, groupId: 'robotics-2', requestedOn: '2024-10-01', startDate: '2024-10-01' })
  t.equal(cb.quote!.certificate, 623077)
  t.same([cb.quote!.certificateFirstMonth, cb.quote!.certificateOtherMonth], [B_OCT, LATER])
  await acceptContract(app, ctx(), { contractId: ca.contractId, acceptedOn: '2024-10-02' })
  await acceptContract(app, ctx(), { contractId: cb.contractId, acceptedOn: '2024-10-02' })

  // October: the provider cancelled 2 of 8 lessons of A → completeness 75 %, line half-up(435.95 × 6/8) = 326.96.
  await recordAttendance(app, providerCtx('prov-1'), {
    contractId: ca.contractId,
    month: '2024-10',
    lessonsPlanned: 8,
    lessonsCancelledByProvider: 2,
    lessonsAttended: 5,
    providerCompletenessBp: null,
    recordedOn: '2024-10-31',
  })
  t.equal(
    await refusal(
      recordAttendance(app, providerCtx('prov-9'), {
        contractId: ca.contractId,
        month: '2024-10',
        lessonsPlanned: 8,
        lessonsCancelledByProvider: 0,
        lessonsAttended: 8,
        providerCompletenessBp: null,
        recordedOn: '2024-10-31',
      }),
    ),
    'contract_not_found',
    "another provider's contract answers as if there were none",
  )
  t.equal(
    await refusal(closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-10-31' }, list)),
    'close_date_invalid',
    'not before the month is over',
  )
  await books('after enrolment')
  const oct = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, list)
  await books('October closed')
  t.equal(oct.contractsWrittenOff, 2)
  const finalOct = invoiceIds.final(MUNICIPALITY, 'payer-1', 'prov-1', '2024-10')
  t.same(oct.finalInvoices, [finalOct])
  t.same(oct.advanceInvoices, [invoiceIds.advance(MUNICIPALITY, 'payer-1', 'prov-1', '2024-11')])
  t.equal(
    await refusal(
      recordAttendance(app, providerCtx('prov-1'), {
        contractId: ca.contractId,
        month: '2024-10',
        lessonsPlanned: 8,
        lessonsCancelledByProvider: 0,
        lessonsAttended: 8,
        providerCompletenessBp: null,
        recordedOn: '2024-11-02',
      }),
    ),
    'attendance_closed',
    'settled months take corrections only',
  )

  const count = (await wholeLog(store)).length
  const again = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, list)
  t.equal((await wholeLog(store)).length, count, 'closing a month twice appends nothing')
  t.equal(again.alreadyClosed, true)
  t.equal(await refusal(closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-12', closedOn: '2025-01-01' }, list)), 'month_out_of_order')

  // Payments: a partial one, then the rest after the 10th (overdue). Paid in full → A's shortfall returns.
  t.equal(
    await refusal(recordPayment(app, ctx(), { invoiceId: finalOct, amount: 112189, paidOn: '2024-11-05', paymentOrder: '101' })),
    'overpayment',
    'one kopeck above the invoice',
  )
  const p1 = await recordPayment(app, ctx(), { invoiceId: finalOct, amount: 50000, paidOn: '2024-11-05', paymentOrder: '101' })
  t.same([p1.overdue, p1.outstanding, p1.refunds], [false, 112188 - 50000, 0])
  const p2 = await recordPayment(app, ctx(), { invoiceId: finalOct, amount: 62188, paidOn: '2024-11-12', paymentOrder: '117' })
  t.same([p2.overdue, p2.outstanding, p2.refunds], [true, 0, 1], 'late, settled, one line refunded')
  await recordPayment(app, ctx(), {
    invoiceId: invoiceIds.advance(MUNICIPALITY, 'payer-1', 'prov-1', '2024-11'),
    amount: 2 * ADV,
    paidOn: '2024-11-05',
    paymentOrder: '102',
  })
  await books('October paid')

  const nov = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-11', closedOn: '2024-12-01' }, list)
  t.equal(nov.contractsWrittenOff, 2)
  t.equal(
    await refusal(closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-12', closedOn: '2025-01-02' }, list)),
    'close_date_invalid',
    'December closes within December',
  )
  await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-12', closedOn: '2024-12-28' }, list)
  await books('December closed within December')

  // January: B terminated on the 20th (February..May, 4 × 776.55, return at once); its close is interrupted once.
  await terminateContract(app, ctx(), { contractId: cb.contractId, terminatedOn: '2025-01-20', by: 'parent', reason: 'moved away' })
  crashAt = 'month-close:settle'
  await t.rejects(closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2025-01', closedOn: '2025-02-01' }, list), /simulated crash/)
  const jan = await closeMonth(new Application(store), ctx(), { municipality: MUNICIPALITY, month: '2025-01', closedOn: '2025-02-01' }, list)
  t.equal(jan.contractsClosed, 1, 'the terminated contract closes with its month')
  t.same(jan.advanceInvoices, [invoiceIds.advance(MUNICIPALITY, 'payer-1', 'prov-1', '2025-02')])
  const janFinal = (await wholeLog(store)).find((e) => e.type === 'FinalInvoiceIssued' && (e.data as { month: string }).month === '2025-01')!.data as {
    lines: { contractId: string }[]
  }
  t.same(
    janFinal.lines.map((l) => l.contractId).sort(),
    [ca.contractId, cb.contractId].sort(),
    'the contract closed by the interrupted close still has its January line',
  )
  await books('January closed after a crash')

  const log = await wholeLog(store)
  t.same(violations(log), [])
  t.equal(log.filter((e) => e.type === 'MonthClosed').length, 4, 'four months closed, each once')
  // October by the acceptances, then each close the month after it: A October–February, B October–January (its
  // termination month), none twice after the crash.
  t.equal(log.filter((e) => e.type === 'CertificateFundsWrittenOff').length, 5 + 4, 'A five months, B four, none twice after the crash')
  const f = figures(log)
  const money = (n: string) => {
    const rows = log.filter((e) => (e.data as { certificateNumber?: string }).certificateNumber === n)
    const sum = (type: string) => rows.filter((e) => e.type === type).reduce((s, e) => s + (e.data as { amount: number }).amount, 0)
    return { writtenOff: sum('CertificateFundsWrittenOff'), refunded: sum('ShortfallRefunded'), balance: f.money.get(`${n}|2024`)!.balance }
  }
  // A: written off 435.95 + 4 × 776.55 (October to February: the January close wrote February off); refunded
  // 435.95 − 326.96 = 108.99; balance 7 760.00 − 5 871.80 + 108.99 (a write-off moves nothing out of the balance).
  t.same(money(a.number), { writtenOff: A_OCT + 4 * LATER, refunded: A_OCT - 32696, balance: 776000 - 587180 + (A_OCT - 32696) })
  // B: written off 794.92 + 3 × 776.55, the rest released: balance 7 760.00 − 6 230.77 + 4 × 776.55.
  t.same(money(b.number), { writtenOff: B_OCT + 3 * LATER, refunded: 0, balance: 776000 - 623077 + 4 * LATER })

  await new ProjectionRunner(db.sql, store, PROJECTIONS).catchUp()
  const [octInvoice, novAdvance] = [
    (await reader.invoices.ofProvider('prov-1', '2024-10', null)).find((i) => i.kind === 'final')!,
    (await reader.invoices.ofProvider('prov-1', '2024-11', null)).find((i) => i.kind === 'advance')!,
  ]
  t.match(octInvoice, { total: '1121.88', advanceDeducted: '0.00', amountDue: '1121.88', amountPaid: '1121.88', outstanding: '0.00', status: 'paid' })
  t.same(octInvoice.lines.map((l) => [l.certificateNumber, l.monthAmount, l.completenessPercent, l.lineAmount]).sort(), [
    [a.number, '435.95', '75.00', '326.96'],
    [b.number, '794.92', '100.00', '794.92'],
  ])
  t.match(novAdvance, { total: '1242.48', amountPaid: '1242.48' })
  const novFinal = (await reader.invoices.ofProvider('prov-1', '2024-11', null)).find((i) => i.kind === 'final')!
  // 2 × 776.55 = 1 553.10 of services, the 1 242.48 advance paid deducted: 310.62 due.
  t.match(novFinal, { total: '1553.10', advanceDeducted: '1242.48', amountDue: '310.62', status: 'issued' })
  // Double entry: every certificate account equals the certificate's figure; the provider's payable is what its
  // final invoices still owe (310.62 for November, 2 × 1 553.10 for December and January); its advances are set off.
  const accounts = new Map(
    (await db.sql<{ account: string; balance: string }[]>`SELECT account, balance::text AS balance FROM reporting.account_balances`).map((r) => [
      r.account,
      r.balance,
    ]),
  )
  for (const [n, figures] of [
    [a.number, money(a.number)],
    [b.number, money(b.number)],
  ] as const) {
    t.equal(accounts.get(`certificate:${n}:2024:available`), (figures.balance / 100).toFixed(2), `${n}: available account = balance`)
  }
  t.equal(accounts.get(`certificate:${a.number}:2024:spent`), ((A_OCT + 4 * LATER - (A_OCT - 32696)) / 100).toFixed(2))
  t.equal(accounts.get('provider:prov-1:payable'), (-(31062 + 2 * 155310) / 100).toFixed(2))
  t.equal(accounts.get('provider:prov-1:advances'), '0.00')
  const [{ debits, credits }] = (await db.sql<
    { debits: string; credits: string }[]
  >`SELECT sum(debits)::text AS debits, sum(credits)::text AS credits FROM reporting.account_balances`) as unknown as [{ debits: string; credits: string }]
  t.equal(debits, credits, 'debits equal credits')
  // The payer's monthly reconciliation, and its unpaid finals tying out to the provider's payable account.
  const octRec = await reader.invoices.reconciliation(MUNICIPALITY, '2024-10', null, null)
  t.match(octRec.totals, {
    finalInvoiced: 112188,
    finalDue: 112188,
    finalPaid: 112188,
    finalPaidLate: 62188,
    advancePaidLate: 0,
    outstanding: 0,
    refundedToCertificates: A_OCT - 32696,
    advanceInvoiced: 0,
  })
  const novRec = await reader.invoices.reconciliation(MUNICIPALITY, '2024-11', 'payer-1', '2024-12-15')
  t.match(novRec.totals, {
    advanceInvoiced: 2 * ADV,
    advancePaid: 2 * ADV,
    finalInvoiced: 2 * LATER,
    advanceDeducted: 2 * ADV,
    finalDue: 31062,
    finalPaid: 0,
    outstanding: 31062,
    overdueOutstanding: 31062,
  })
  t.same(
    novRec.providers.map((p) => p.providerId),
    ['prov-1'],
  )
  let unpaidFinals = 0
  for (const m of ['2024-10', '2024-11', '2024-12', '2025-01']) {
    const rec = await reader.invoices.reconciliation(MUNICIPALITY, m, null, null)
    unpaidFinals += rec.totals.finalDue! - rec.totals.finalPaid!
  }
  t.equal((-unpaidFinals / 100).toFixed(2), accounts.get('provider:prov-1:payable'), 'reconciliation ties out to the postings')
  const cert = await reader.certificates.view(a.number)
  t.match(cert!.periods[0], { spent: ((A_OCT + 4 * LATER - (A_OCT - 32696)) / 100).toFixed(2), reserved: ((587180 - A_OCT - 4 * LATER) / 100).toFixed(2) })

  // The rest of the school year: A runs to its end on 31 May and closes with May.
  for (const [m, on] of [
    ['2025-02', '2025-03-01'],
    ['2025-03', '2025-04-01'],
    ['2025-04', '2025-05-02'],
    ['2025-05', '2025-06-01'],
  ] as const) {
    await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: m, closedOn: on }, list)
    await books(`${m} closed`)
  }
  const end = figures(await wholeLog(store))
  // All eight months written off (435.95 + 7 × 776.55 = 5 871.80), October's shortfall 108.99 refunded.
  t.same(end.money.get(`${a.number}|2024`), { nominal: 776000, reserved: 0, spent: 587180 - (A_OCT - 32696), balance: 776000 - 587180 + (A_OCT - 32696) })
  t.equal(end.contracts.get(ca.contractId)!.status, 'closed', 'A closed with its last month')
  t.equal(end.places.get('robotics-1')!.size, 0, 'and its place is free')
})

t.test('refunds happen exactly once, even when the payment is interrupted between two of them', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  let crash = true
  const app = new Application(store, (point) => {
    if (point === 'refund:line-refunded' && crash) {
      crash = false
      throw new Error('simulated crash after the first refund')
    }
  })
  const reader = new ProjectionReader(db.sql, store)
  await smallWorld(app, { groups: 2 })
  const a = await activeCertificate(app, 1)
  const b = await activeCertificate(app, 2)
  for (const [n, g] of [
    [a.number, 'robotics-1'],
    [b.number, 'robotics-2'],
  ] as const) {
    const c = await requestContract(app, ctx(), { certificateNumber: n, groupId: g, requestedOn: '2024-10-01', startDate: '2024-10-15' })
    await acceptContract(app, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
    // Half the lessons cancelled by the provider: the line is half-up(435.95 / 2) = 217.98, the shortfall 217.97.
    await recordAttendance(app, ctx(), {
      contractId: c.contractId,
      month: '2024-10',
      lessonsPlanned: 8,
      lessonsCancelledByProvider: 4,
      lessonsAttended: 4,
      providerCompletenessBp: null,
      recordedOn: '2024-10-31',
    })
  }
  const oct = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, (m) => reader.contracts.openIds(m))
  const payment = { invoiceId: oct.finalInvoices[0]!, amount: 2 * 21798, paidOn: '2024-11-05', paymentOrder: '9' }
  await t.rejects(recordPayment(app, ctx('pay-9'), payment), /simulated crash/)
  t.equal((await wholeLog(store)).filter((e) => e.type === 'ShortfallRefunded').length, 1, 'interrupted after one refund')
  const retry = await recordPayment(new Application(store), ctx('pay-9'), payment)
  t.equal(retry.outstanding, 0)
  const log = await wholeLog(store)
  t.equal(log.filter((e) => e.type === 'PaymentRecorded').length, 1, 'the payment once')
  t.same(
    log.filter((e) => e.type === 'ShortfallRefunded').map((e) => (e.data as { amount: number }).amount),
    [21797, 21797],
    'each line refunded once',
  )
  await recordPayment(new Application(store), ctx('pay-9'), payment)
  t.equal((await wholeLog(store)).length, log.length, 'a third run changes nothing')
  t.same(violations(log), [])
})

t.test('a correction of a closed month: a new event, the difference in the next final invoice, refunded once paid', async (t) => {
  const { store, app, list } = await months(t)
  const a = await activeCertificate(app, 1)
  const c = await requestContract(app, ctx(), { certificateNumber: a.number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(app, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  const oct = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, list)
  await recordPayment(app, ctx(), { invoiceId: oct.finalInvoices[0]!, amount: A_OCT, paidOn: '2024-11-05', paymentOrder: '1' })
  t.equal(
    await refusal(
      correctMonth(app, ctx(), {
        contractId: c.contractId,
        month: '2024-11',
        lessonsPlanned: 8,
        lessonsCancelledByProvider: 2,
        providerCompletenessBp: null,
        reason: 'x',
        correctedOn: '2024-11-20',
      }),
    ),
    'month_not_settled',
  )

  // October was invoiced at 100 % (435.95). The payer finds 2 of 8 lessons were cancelled by the provider:
  // half-up(435.95 × 6/8) = 326.96, a difference of −108.99.
  const corrected = await correctMonth(app, ctx(), {
    contractId: c.contractId,
    month: '2024-10',
    lessonsPlanned: 8,
    lessonsCancelledByProvider: 2,
    providerCompletenessBp: null,
    reason: 'lessons cancelled, found by the payer',
    correctedOn: '2024-11-20',
  })
  t.equal(corrected.difference, 32696 - A_OCT)
  t.equal(corrected.correctsInvoiceId, oct.finalInvoices[0])
  t.equal(
    await refusal(
      correctMonth(app, ctx(), {
        contractId: c.contractId,
        month: '2024-10',
        lessonsPlanned: 8,
        lessonsCancelledByProvider: 0,
        providerCompletenessBp: null,
        reason: 'back to 100 %',
        correctedOn: '2024-11-21',
      }),
    ),
    'correction_raises_line',
  )
  const issued = (await wholeLog(store)).filter((e) => e.type === 'FinalInvoiceIssued')
  t.equal(issued.length, 1, 'the issued invoice is not touched')
  t.equal((issued[0]!.data as { total: number }).total, A_OCT)

  const nov = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-11', closedOn: '2024-12-01' }, list)
  const novFinal = (await wholeLog(store)).find((e) => e.type === 'FinalInvoiceIssued' && (e.data as { invoiceId: string }).invoiceId === nov.finalInvoices[0])!
    .data as {
    total: number
    corrections: { amount: number; correctsInvoiceId: string }[]
    amountDue: number
  }
  t.same(
    novFinal.corrections.map((x) => [x.amount, x.correctsInvoiceId]),
    [[32696 - A_OCT, oct.finalInvoices[0]]],
    'the next final invoice carries the correction',
  )
  t.equal(novFinal.total, LATER + (32696 - A_OCT), 'November 776.55 − 108.99 = 667.56')
  // November's advance (621.24) was not paid: all of it is due.
  await recordPayment(app, ctx(), { invoiceId: nov.finalInvoices[0]!, amount: novFinal.amountDue, paidOn: '2024-12-05', paymentOrder: '2' })
  const dec = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-12', closedOn: '2024-12-28' }, list)
  const decFinal = (await wholeLog(store)).find((e) => e.type === 'FinalInvoiceIssued' && (e.data as { invoiceId: string }).invoiceId === dec.finalInvoices[0])!
    .data as { corrections: unknown[] }
  t.same(decFinal.corrections, [], 'a correction is invoiced once')
  const log = await wholeLog(store)
  const balance = figures(log).money.get(`${a.number}|2024`)!.balance
  t.equal(balance, 776000 - 587180 + (A_OCT - 32696), 'the difference returned to the certificate once November was paid')
  t.same(violations(log), [])
})

t.test('a request unaccepted for two months is refused by the close; a provider may claim less advance', async (t) => {
  const { store, app, list } = await months(t, { groups: 2 })
  const a = await activeCertificate(app, 1)
  const b = await activeCertificate(app, 2)
  const waiting = await requestContract(app, ctx(), { certificateNumber: a.number, groupId: 'robotics-1', requestedOn: '2024-09-02', startDate: '2024-09-15' })
  const running = await requestContract(app, ctx(), { certificateNumber: b.number, groupId: 'robotics-2', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(app, ctx(), { contractId: running.contractId, acceptedOn: '2024-10-02' })
  await claimAdvance(app, ctx(), { providerId: 'prov-1', payerId: 'payer-1', month: '2024-11', percent: 50, claimedOn: '2024-10-20' })
  const sep = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-09', closedOn: '2024-10-01' }, list)
  const oct = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, list)
  t.same([sep.requestsExpired, oct.requestsExpired], [0, 0], 'not yet two months')
  const nov = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-11', closedOn: '2024-12-01' }, list)
  t.equal(nov.requestsExpired, 1, 'requested in September, still unanswered at the November close')
  const log = await wholeLog(store)
  const f = figures(log)
  t.equal(f.contracts.get(waiting.contractId)!.status, 'refused')
  t.equal(f.money.get(`${a.number}|2024`)!.balance, 776000, 'its reservation returned')
  // November's advance: 50 % of 776.55 = 388.275 → 388.28 (half-up) instead of 621.24.
  const advance = log.find((e) => e.type === 'AdvanceInvoiceIssued' && (e.data as { month: string }).month === '2024-11')!.data as { total: number }
  t.equal(advance.total, 38828)
  t.equal(
    await refusal(claimAdvance(app, ctx(), { providerId: 'prov-1', payerId: 'payer-1', month: '2024-12', percent: 81, claimedOn: '2024-11-20' })),
    'amount_invalid',
    'never above 80 %',
  )
})

t.test('settled months and invoices stay settled: no second close, no late advance, no reversal past refunds', async (t) => {
  const { store, app, list } = await months(t, { groups: 2 })
  const a = await activeCertificate(app, 1)
  const c = await requestContract(app, ctx(), { certificateNumber: a.number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(app, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  await recordAttendance(app, ctx(), {
    contractId: c.contractId,
    month: '2024-10',
    lessonsPlanned: 8,
    lessonsCancelledByProvider: 2,
    lessonsAttended: 6,
    providerCompletenessBp: null,
    recordedOn: '2024-10-31',
  })
  const oct = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, list)

  // A contract accepted after the close: closing October again appends nothing (it is picked up by November).
  const b = await activeCertificate(app, 2)
  const late = await requestContract(app, ctx(), { certificateNumber: b.number, groupId: 'robotics-2', requestedOn: '2024-10-20', startDate: '2024-10-21' })
  await acceptContract(app, ctx(), { contractId: late.contractId, acceptedOn: '2024-10-22' })
  const before = (await wholeLog(store)).length
  const again = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, list)
  t.same([again.alreadyClosed, again.finalInvoices], [true, oct.finalInvoices])
  t.equal((await wholeLog(store)).length, before, 'nothing appended')

  t.equal(
    await refusal(terminateContract(app, ctx(), { contractId: c.contractId, terminatedOn: '2024-09-30', by: 'parent', reason: 'x' })),
    'termination_date_invalid',
    'not into months already closed',
  )

  await recordPayment(app, ctx(), { invoiceId: oct.finalInvoices[0]!, amount: 32696, paidOn: '2024-11-05', paymentOrder: '1', paymentId: 'p-1' })
  t.equal(
    await refusal(recordPayment(app, ctx(), { invoiceId: oct.finalInvoices[0]!, amount: 1, paidOn: '2024-11-05', paymentOrder: '1', paymentId: 'p-1' })),
    'payment_id_reused',
  )
  t.equal(
    await refusal(reversePayment(app, ctx(), { invoiceId: oct.finalInvoices[0]!, paymentId: 'p-1', reversedOn: '2024-11-06', reason: 'x' })),
    'payment_settled',
    'its shortfall already returned to the certificate',
  )

  const nov = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-11', closedOn: '2024-12-01' }, list)
  const lateLines = (
    (await wholeLog(store)).find((e) => e.type === 'FinalInvoiceIssued' && (e.data as { invoiceId: string }).invoiceId === nov.finalInvoices[0])!.data as {
      lines: { contractId: string; month: string }[]
    }
  ).lines
  t.same(
    lateLines.filter((l) => l.contractId === late.contractId).map((l) => l.month),
    ['2024-10', '2024-11'],
    'the late acceptance catches up at the next close',
  )
  t.equal(
    await refusal(
      recordPayment(app, ctx(), {
        invoiceId: invoiceIds.advance(MUNICIPALITY, 'payer-1', 'prov-1', '2024-11'),
        amount: 100,
        paidOn: '2024-12-02',
        paymentOrder: '7',
      }),
    ),
    'advance_settled',
    "November's advance is settled by November's final invoice",
  )
  t.same(violations(await wholeLog(store)), [])
})
