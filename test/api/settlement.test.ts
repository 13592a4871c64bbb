import ExcelJS from 'exceljs'
import t from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { buildServer } from '../../src/api/server.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { activeCertificate, ctx, MUNICIPALITY, smallWorld } from '../helpers/world.ts'

t.test('the month over HTTP: attendance by the provider, close, payment by the payer, reconciliation', async (t) => {
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
  const bearer = async (role: 'operator' | 'payer' | 'provider' | 'reporting', scope: { providerId?: string; payerId?: string } = {}) => ({
    authorization: `Bearer ${(await createToken(db.sql, { role, ...scope })).token}`,
  })
  await smallWorld(ledger)
  const { number } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(ledger, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })

  const provider = await bearer('provider', { providerId: 'prov-1' })
  const attendance = {
    month: '2024-10',
    lessonsPlanned: 10,
    lessonsCancelledByProvider: 0,
    lessonsAttended: 9,
    providerCompletenessPercent: '90',
    recordedOn: '2024-10-31',
  }
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: `/v1/contracts/${c.contractId}/attendance`,
        payload: attendance,
        headers: await bearer('provider', { providerId: 'prov-2' }),
      })
    ).statusCode,
    404,
    'only the contract’s provider (another’s answers as if there were none)',
  )
  t.equal((await app.inject({ method: 'POST', url: `/v1/contracts/${c.contractId}/attendance`, payload: attendance, headers: provider })).statusCode, 201)

  const payer = await bearer('payer', { payerId: 'payer-1' })
  const close = await app.inject({ method: 'POST', url: `/v1/settlement/${MUNICIPALITY}/2024-10/close`, payload: {}, headers: payer })
  t.equal(close.statusCode, 200, close.body)
  const closed = close.json()
  t.equal(closed.closedOn, '2024-11-01', 'by default the first day of the next month')
  t.equal(close.headers.etag, `"${closed.version}"`, 'the settlement stream’s version as the ETag: the If-Match of the next close')
  const again = await app.inject({ method: 'POST', url: `/v1/settlement/${MUNICIPALITY}/2024-10/close`, payload: {}, headers: payer })
  t.equal(again.headers.etag, close.headers.etag, 'a month closed again answers with the same version')
  const early = await app.inject({ method: 'POST', url: `/v1/settlement/${MUNICIPALITY}/2024-12/close`, payload: {}, headers: payer })
  t.equal(early.statusCode, 409)
  t.equal(early.json().code, 'month_out_of_order')

  // 90 % of 435.95 = 392.355 → 392.36 (half-up); no advance was paid for October.
  const pay = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${closed.finalInvoices[0]}/payments`,
    payload: { amount: '392.36', paidOn: '2024-11-11', paymentOrder: '55' },
    headers: payer,
  })
  t.equal(pay.statusCode, 201, pay.body)
  t.match(pay.json(), { overdue: true, paid: '392.36', outstanding: '0.00', refunds: 1 })
  const over = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${closed.finalInvoices[0]}/payments`,
    payload: { amount: '0.01', paidOn: '2024-11-11', paymentOrder: '56' },
    headers: payer,
  })
  t.equal(over.statusCode, 422)
  t.equal(over.json().code, 'overpayment')
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: `/v1/invoices/${closed.finalInvoices[0]}/payments`,
        payload: { amount: '1.00', paidOn: '2024-11-11', paymentOrder: '57' },
        headers: await bearer('payer', { payerId: 'payer-9' }),
      })
    ).statusCode,
    404,
  )

  // A payment recorded twice by mistake is reversed, not deleted: the invoice is owed again, then paid again.
  const doubled = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${closed.advanceInvoices[0]}/payments`,
    payload: { amount: '621.24', paidOn: '2024-11-05', paymentOrder: '60', paymentId: 'order-60' },
    headers: payer,
  })
  t.equal(doubled.statusCode, 201)
  const reversal = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${closed.advanceInvoices[0]}/payments/order-60/reversal`,
    payload: { reversedOn: '2024-11-06', reason: 'entered against the wrong invoice' },
    headers: payer,
  })
  t.equal(reversal.statusCode, 201, reversal.body)
  t.match(reversal.json(), { paid: '0.00', outstanding: '621.24' })
  t.equal(reversal.headers.etag, `"${doubled.json().version + 1}"`, 'the reversal’s reply carries the invoice’s new version, one event after the payment')
  const twice = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${closed.advanceInvoices[0]}/payments/order-60/reversal`,
    payload: { reversedOn: '2024-11-06', reason: 'again' },
    headers: payer,
  })
  t.equal(twice.statusCode, 409)
  t.equal(twice.json().code, 'payment_already_reversed')

  const wait = reversal.headers['x-ledger-position']
  const rec = await app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10&minPosition=${wait}`, headers: payer })
  t.equal(rec.statusCode, 200)
  t.match(rec.json().totals, { finalInvoiced: '392.36', finalPaid: '392.36', finalPaidLate: '392.36', outstanding: '0.00', refundedToCertificates: '43.59' })
  const csv = await app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10&format=csv`, headers: payer })
  t.match(csv.headers['content-type'], /^text\/csv/)
  const rows = csv.body.split('\r\n')
  t.ok(csv.body.startsWith('\uFEFF'), 'a UTF-8 BOM')
  t.match(rows[0], /^\uFEFFПоставщик;Наименование поставщика;Плательщик;Наименование плательщика;Аванс выставлен;/, 'Russian headers, `;` separated')
  t.match(rows[1], /^prov-1;Центр детского творчества;payer-1;;0,00;0,00;0,00;392,36;0,00;392,36;392,36;392,36;0,00;0,00;43,59$/, 'decimal commas')
  t.match(rows[2], /^Итого;;;;/)
  const xlsx = await app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10&format=xlsx`, headers: payer })
  const book = new ExcelJS.Workbook()
  await book.xlsx.load(xlsx.rawPayload as never)
  const sheet = book.getWorksheet('Сверка')!
  t.equal(sheet.getCell('A2').value, 'Поставщик')
  t.equal(sheet.getCell('B3').value, 'Центр детского творчества', 'the provider named')
  t.equal(sheet.getCell('H3').value, 392.36, 'amounts are numbers in the workbook')
  t.equal(sheet.getCell('A4').value, 'Итого')
  const document = await app.inject({ url: `/v1/invoices/${closed.finalInvoices[0]}/document`, headers: provider })
  t.equal(document.statusCode, 200)
  t.match(document.body, /^Счёт на оплату № F-2024-10-tambov-district-payer-1-prov-1 от 01\.11\.2024/)
  t.match(document.body, new RegExp(`\t${number}\t2024-10\t90,00\t392,36\n`), 'a line: contract, certificate, % delivered, amount')
  t.match(document.body, /Всего оказано услуг на сумму 392,36 руб\.\nЗачтён аванс 0,00 руб\.\nПодлежит оплате 392,36 руб\./)
  t.equal(
    (await app.inject({ url: `/v1/invoices/${closed.finalInvoices[0]}/document`, headers: await bearer('provider', { providerId: 'prov-2' }) })).statusCode,
    404,
  )
  const invoices = await app.inject({ url: `/v1/providers/prov-1/invoices?month=2024-10&minPosition=${wait}`, headers: provider })
  t.match(invoices.json().invoices[0], {
    kind: 'final',
    status: 'paid',
    lines: [{ monthAmount: '435.95', completenessPercent: '90.00', lineAmount: '392.36' }],
  })
})
