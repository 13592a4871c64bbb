import t from 'tap'
import { ProjectionReader } from '../../projections/read.ts'
import { decodeStatement, importStatement, invoiceNumbersIn, parseStatement } from '../../src/app/bank-statement.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { closeMonth } from '../../src/app/month-close.ts'
import { invoiceIds, invoiceNumber } from '../../src/domain/invoice.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { wholeLog } from '../helpers/invariants.ts'
import { activeCertificate, ctx, MUNICIPALITY, smallWorld } from '../helpers/world.ts'

/** windows-1251 by hand (А..я are 0xC0..0xFF, Ё 0xA8, ё 0xB8, № 0xB9), so the test does not trust the decoder it tests. */
function cp1251(text: string): Buffer {
  return Buffer.from(
    [...text].map((ch) => {
      const c = ch.codePointAt(0)!
      if (c < 0x80) return c
      if (c >= 0x410 && c <= 0x44f) return c - 0x410 + 0xc0
      if (ch === 'Ё') return 0xa8
      if (ch === 'ё') return 0xb8
      if (ch === '№') return 0xb9
      throw new Error(`no windows-1251 byte for ${ch}`)
    }),
  )
}

const statement = (docs: string[]) =>
  ['1CClientBankExchange', 'ВерсияФормата=1.03', 'Кодировка=Windows', 'Отправитель=Бухгалтерия', ...docs, 'КонецФайла', ''].join('\r\n')
const doc = (number: string, date: string, sum: string, purpose: string) =>
  [
    'СекцияДокумент=Платежное поручение',
    `Номер=${number}`,
    `Дата=${date}`,
    `Сумма=${sum}`,
    'ПлательщикСчет=40204810000000000001',
    'Плательщик=МКУ Центр',
    `НазначениеПлатежа=${purpose}`,
    'КонецДокумента',
  ].join('\r\n')

t.test('the statement format', async (t) => {
  const text = statement([doc('117', '12.11.2024', '621.88', 'Оплата по счёту № F-2024-10-m-p-q за услуги.')])
  t.equal(decodeStatement(cp1251(text)), text, 'windows-1251 decoded')
  t.equal(decodeStatement(Buffer.from(text, 'utf8')), text, 'UTF-8 as it is')
  t.same(
    parseStatement(text).map((o) => [o.number, o.date, o.amount, o.line]),
    [['117', '2024-11-12', 62188, 5]],
  )
  t.same(invoiceNumbersIn('Оплата по счёту № F-2024-10-m-p-q за услуги.'), ['F-2024-10-m-p-q'])
  t.throws(() => parseStatement('not a statement'), { name: 'StatementFormatError', message: /not a 1CClientBankExchange file/ })
  t.throws(() => parseStatement(statement([doc('1', '31.02.2024', '1.00', 'x')])), /Дата=31.02.2024 is not a date/)
  t.throws(() => parseStatement(statement(['СекцияДокумент=Платежное поручение', 'Номер=1'])), /without КонецДокумента/)
})

t.test('a bank statement is matched to invoices, recorded once, and the rest is listed', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  const reader = new ProjectionReader(db.sql, store)
  await smallWorld(app)
  const { number } = await activeCertificate(app, 1)
  const c = await requestContract(app, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(app, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, (m) => reader.contracts.openIds(m))
  const final = invoiceNumber('F', '2024-10', MUNICIPALITY, 'payer-1', 'prov-1')
  const advance = invoiceNumber('A', '2024-11', MUNICIPALITY, 'payer-1', 'prov-1')
  // October's final invoice is 435.95 (no attendance: 100 %); November's advance 80 % of 776.55 = 621.24.
  const text = statement([
    doc('101', '05.11.2024', '400.00', `Оплата по счёту № ${final} (частично)`),
    doc('117', '12.11.2024', '35.95', `Доплата по счёту № ${final}`),
    doc('118', '06.11.2024', '621.24', `Аванс за ноябрь по счёту № ${advance}`),
    doc('119', '06.11.2024', '10.00', 'Прочие расходы без счёта'),
    doc('120', '07.11.2024', '1.00', `Лишний платёж по счёту № ${final}`),
  ])
  const first = await importStatement(app, decodeStatement(cp1251(text)), 'statement.txt', (n) => reader.invoices.idByNumber(n))
  t.same([first.orders, first.recorded, first.alreadyRecorded], [5, 3, 0])
  t.same(
    first.unmatched.map((u) => [u.number, u.reason.split(':')[0]]),
    [
      ['119', 'no invoice number of the ledger in the purpose'],
      ['120', 'overpayment'],
    ],
  )
  const payments = (await wholeLog(store))
    .filter((e) => e.type === 'PaymentRecorded')
    .map((e) => e.data as { invoiceId: string; amount: number; overdue: boolean })
  t.same(
    payments.map((p) => [p.invoiceId, p.amount, p.overdue]),
    [
      [invoiceIds.final(MUNICIPALITY, 'payer-1', 'prov-1', '2024-10'), 40000, false],
      [invoiceIds.final(MUNICIPALITY, 'payer-1', 'prov-1', '2024-10'), 3595, true],
      [invoiceIds.advance(MUNICIPALITY, 'payer-1', 'prov-1', '2024-11'), 62124, false],
    ],
  )
  const events = (await wholeLog(store)).length
  const again = await importStatement(app, decodeStatement(cp1251(text)), 'statement.txt', (n) => reader.invoices.idByNumber(n))
  t.same([again.recorded, again.alreadyRecorded], [0, 3], 'running it again records nothing new')
  t.equal((await wholeLog(store)).length, events)
})

t.test('a bank statement: an order dated after today is not recorded, nor one whose number paid another invoice', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  const reader = new ProjectionReader(db.sql, store)
  await smallWorld(app)
  const { number } = await activeCertificate(app, 1)
  const c = await requestContract(app, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(app, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, (m) => reader.contracts.openIds(m))
  const final = invoiceNumber('F', '2024-10', MUNICIPALITY, 'payer-1', 'prov-1')
  const advance = invoiceNumber('A', '2024-11', MUNICIPALITY, 'payer-1', 'prov-1')
  const text = statement([
    doc('201', '05.11.2024', '100.00', `Оплата по счёту № ${final}`),
    doc('202', '20.11.2024', '100.00', `Оплата по счёту № ${final}`),
    doc('201', '06.11.2024', '50.00', `Аванс по счёту № ${advance}`),
  ])
  // "Today" is 2024-11-10 for this import: the order of the 20th has not happened yet.
  const report = await importStatement(app, decodeStatement(cp1251(text)), 'statement.txt', (n) => reader.invoices.idByNumber(n), '2024-11-10')
  t.same(report.recorded, 1)
  t.same(
    report.unmatched.map((u) => [u.number, u.reason.split(':')[0]]),
    [
      ['202', 'date_in_future'],
      ['201', 'payment_order_reused'],
    ],
  )
})
