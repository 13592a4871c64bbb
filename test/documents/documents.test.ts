import ExcelJS from 'exceljs'
import t from 'tap'
import { extractText, getDocumentProxy } from 'unpdf'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { buildServer } from '../../src/api/server.ts'
import { invoiceNumbersIn } from '../../src/app/bank-statement.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { registeredNamesLookup } from '../../src/app/documents.ts'
import { createToken } from '../../src/auth/tokens.ts'
import type { OrganisationLookup, Requisites } from '../../src/domain/organisation.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { readAmountInWords } from '../helpers/amount-words.ts'
import { testDatabase } from '../helpers/database.ts'
import { activeCertificate, ctx, MUNICIPALITY, smallWorld } from '../helpers/world.ts'

// The printed documents over HTTP: the final and advance invoices as PDF and XLSX, the reconciliation act, refusals
// without requisites. Expected figures are computed here from the rules (domain.md): a line is the month's amount
// times completeness, rounded half-up; an advance is 80 % of the month's amount; due = total − advance paid.

const PAYER: Requisites = {
  fullName: 'Управление образования администрации Тамбовского района',
  shortName: 'Управление образования',
  inn: '6820003930',
  kpp: '682001001',
  ogrn: '1026801225810',
  legalAddress: '392525, Тамбовская обл., р.п. Строитель, ул. Промышленная, д. 30',
  settlementAccount: '03231643686400006400',
  bankName: 'Отделение Тамбов Банка России',
  bik: '016850200',
  correspondentAccount: '40102810645370000057',
  headName: 'Иванова Мария Петровна',
  headTitle: 'Начальник управления',
}
const PROVIDER: Requisites = {
  fullName: 'Муниципальное бюджетное учреждение дополнительного образования «Центр детского творчества»',
  shortName: 'МБУ ДО «ЦДТ»',
  inn: '6820021311',
  kpp: '682001001',
  ogrn: '1036894107771',
  legalAddress: '392525, Тамбовская обл., р.п. Строитель, ул. Школьная, д. 1',
  settlementAccount: '40701810300003000001',
  bankName: 'ПАО Сбербанк',
  bik: '046850649',
  correspondentAccount: '30101810800000000649',
  headName: 'Петров Иван Сергеевич',
  headTitle: 'Директор',
}
/** The provider's head changed on 15 November: documents of earlier dates keep the former one. */
const FORMER_HEAD = 'Сидоров Олег Николаевич'

const validLookup: OrganisationLookup = async (kind, id, onDate) => {
  if (kind === 'payer') return id === 'payer-1' ? { kind, id, name: PAYER.shortName, requisites: PAYER } : undefined
  if (id !== 'prov-1') return undefined
  return { kind, id, name: PROVIDER.shortName, requisites: { ...PROVIDER, headName: onDate < '2024-11-15' ? FORMER_HEAD : PROVIDER.headName } }
}

/**
 * The PDF's text, whitespace (non-breaking spaces and line ends too) folded to single spaces, and a long invoice
 * number wrapped at one of its hyphens joined again.
 */
async function pdfText(body: Buffer): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(body)), { mergePages: true })
  return text.replace(/\s+/g, ' ').replace(/(\w)- (?=\w)/g, '$1-')
}

/** 587180 → "5 871,80" with a plain space (after folding), as the documents print it. */
const rub = (k: number) => `${String(Math.trunc(Math.abs(k) / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')},${String(Math.abs(k) % 100).padStart(2, '0')}`
const kopecks = (s: string) => Math.round(Number(s) * 100)
/** round-half-up(a × bp / 10000) in integers. */
const halfUp = (a: number, bp: number) => Math.floor((a * bp * 2 + 10000) / 20000)

t.test('invoices and the reconciliation act as PDF and XLSX, with requisites in force on their dates', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS, { idleMs: 20 })
  let lookup: OrganisationLookup = validLookup
  const app = await buildServer({ db, store, ledger, runner, organisations: (kind, id, on) => lookup(kind, id, on), timeZone: 'Europe/Moscow' })
  runner.start()
  t.teardown(async () => {
    await app.close()
    await runner.stop()
  })
  const bearer = async (role: 'operator' | 'payer' | 'provider' | 'auditor' | 'reporting', scope: { providerId?: string; payerId?: string } = {}) => ({
    authorization: `Bearer ${(await createToken(db.sql, { role, ...scope })).token}`,
  })
  await smallWorld(ledger)
  const { number: certificate } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: certificate, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(ledger, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  const provider = await bearer('provider', { providerId: 'prov-1' })
  const payer = await bearer('payer', { payerId: 'payer-1' })
  const attend = async (month: string, percent: string, recordedOn: string) => {
    const body = { month, lessonsPlanned: 10, lessonsCancelledByProvider: 0, lessonsAttended: 9, providerCompletenessPercent: percent, recordedOn }
    const res = await app.inject({ method: 'POST', url: `/v1/contracts/${c.contractId}/attendance`, payload: body, headers: provider })
    t.equal(res.statusCode, 201, res.body)
    return res.headers['x-ledger-position'] as string
  }
  const close = async (month: string) => {
    const res = await app.inject({ method: 'POST', url: `/v1/settlement/${MUNICIPALITY}/${month}/close`, payload: {}, headers: payer })
    t.equal(res.statusCode, 200, res.body)
    return res.json() as { finalInvoices: string[]; advanceInvoices: string[] }
  }
  const pay = async (invoiceId: string, amount: number, paidOn: string, paymentOrder: string) => {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/invoices/${invoiceId}/payments`,
      payload: { amount: rub(amount).replace(' ', '').replace(',', '.'), paidOn, paymentOrder },
      headers: payer,
    })
    t.equal(res.statusCode, 201, res.body)
    return { position: res.headers['x-ledger-position'] as string, paymentId: res.json().paymentId as string }
  }

  // The month amounts come from the contract's schedule; everything else from the rules.
  const attended = await attend('2024-10', '90', '2024-10-31')
  const contract = await app.inject({ url: `/v1/contracts/${c.contractId}?minPosition=${attended}`, headers: provider })
  const schedule = contract.json().schedule as { month: string; certificate: string }[]
  const novAmount = kopecks(schedule.find((s) => s.month === '2024-11')!.certificate)
  const october = await close('2024-10')
  const novAdvance = halfUp(novAmount, 8000)
  await pay(october.advanceInvoices[0]!, novAdvance, '2024-11-05', '60')
  await attend('2024-11', '100', '2024-11-30')
  const november = await close('2024-11')
  const novFinal = november.finalInvoices[0]!
  const novLine = halfUp(novAmount, 10000)
  const novDue = novLine - novAdvance
  await pay(novFinal, 10000, '2024-12-05', '77')
  // A payment entered by mistake and reversed: the act lists both, and neither counts in what was paid.
  const mistaken = await pay(novFinal, 5000, '2024-12-06', '78')
  const reversal = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${novFinal}/payments/${mistaken.paymentId}/reversal`,
    payload: { reversedOn: '2024-12-07', reason: 'entered twice' },
    headers: payer,
  })
  t.equal(reversal.statusCode, 201, reversal.body)
  const position = reversal.headers['x-ledger-position'] as string

  await t.test('the final invoice as PDF: requisites, lines, totals, the advance deducted, due in figures and words', async (t) => {
    const res = await app.inject({ url: `/v1/invoices/${novFinal}/document?minPosition=${position}`, headers: { ...provider, accept: 'application/pdf' } })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers['content-type'], 'application/pdf')
    t.match(res.headers['content-disposition'], /^attachment; filename="invoice-F-2024-11-tambov-district-payer-1-prov-1\.pdf"$/)
    const text = await pdfText(res.rawPayload)
    t.match(text, 'Счёт на оплату № F-2024-11-tambov-district-payer-1-prov-1 от 01.12.2024', 'the number bank statements match')
    for (const r of [PAYER, PROVIDER]) {
      for (const field of ['fullName', 'inn', 'kpp', 'ogrn', 'settlementAccount', 'bik', 'correspondentAccount'] as const) t.match(text, r[field], field)
    }
    t.match(text, `${PROVIDER.headTitle}`)
    t.match(text, PROVIDER.headName, 'the head in office on the issue date (1 December)')
    t.notMatch(text, FORMER_HEAD)
    t.match(text, `${certificate} Робототехника robotics-1 ноябрь 2024 г. ${rub(novAmount)} 100,00 % ${rub(novLine)}`, 'a line')
    t.match(text, `Всего оказано услуг на сумму ${rub(novLine)} руб.`)
    t.match(text, `Зачтён аванс ${rub(novAdvance)} руб.`)
    t.match(text, `Итого к оплате: ${rub(novDue)} руб.`)
    t.match(text, 'Без налога (НДС)')
    const words = /Сумма к оплате прописью: (.+? копе(?:йка|йки|ек))/.exec(text)?.[1]
    t.ok(words, 'the amount in words')
    t.equal(readAmountInWords(words!), novDue, `«${words}» reads as the amount due`)
    t.match(text, 'Оплатить не позднее 10.12.2024', 'a final invoice is due by the 10th of the next month')
    const purpose = /укажите: «(.+?)»/.exec(text)?.[1] ?? ''
    t.same(invoiceNumbersIn(purpose), ['F-2024-11-tambov-district-payer-1-prov-1'], 'the purpose it asks for is one bank-statement matching reads')
  })

  await t.test('the advance invoice as PDF, with the head in office on its own date', async (t) => {
    const res = await app.inject({ url: `/v1/invoices/${october.advanceInvoices[0]}/document?format=pdf`, headers: payer })
    t.equal(res.statusCode, 200, res.body)
    const text = await pdfText(res.rawPayload)
    t.match(text, 'Счёт на авансовый платёж № A-2024-11-tambov-district-payer-1-prov-1 от 01.11.2024')
    t.match(text, `${rub(novAmount)} 80,00 % ${rub(novAdvance)}`, 'the line: 80 % of the month')
    t.match(text, `Итого к оплате: ${rub(novAdvance)} руб.`)
    t.equal(readAmountInWords(/прописью: (.+? копе(?:йка|йки|ек))/.exec(text)![1]!), novAdvance)
    t.match(text, FORMER_HEAD, 'issued on 1 November: the former head signs')
    t.match(text, 'Оплатить не позднее 10.11.2024')
  })

  await t.test('the same invoice as XLSX: requisites and figures in cells of their own', async (t) => {
    const res = await app.inject({ url: `/v1/invoices/${novFinal}/document?format=xlsx`, headers: await bearer('auditor') })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    const viaAccept = await app.inject({
      url: `/v1/invoices/${novFinal}/document`,
      headers: { ...payer, accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    })
    t.equal(viaAccept.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    const book = new ExcelJS.Workbook()
    await book.xlsx.load(res.rawPayload as never)
    const sheet = book.getWorksheet('Счёт')!
    const rows = new Map<string, ExcelJS.Row>()
    sheet.eachRow((row) => {
      const label = String(row.getCell(1).value ?? '')
      if (label && !rows.has(label)) rows.set(label, row)
      const total = String(row.getCell(8).value ?? '')
      if (total && !rows.has(total)) rows.set(total, row)
    })
    t.equal(sheet.getCell('B2').value, 'F-2024-11-tambov-district-payer-1-prov-1')
    t.equal(rows.get('ИНН')!.getCell(2).value, PROVIDER.inn)
    t.equal(rows.get('ИНН')!.getCell(3).value, PAYER.inn)
    t.equal(rows.get('Расчётный счёт')!.getCell(2).value, PROVIDER.settlementAccount, 'a 20-digit account as text, exact')
    t.equal(rows.get('Руководитель')!.getCell(2).value, PROVIDER.headName)
    const line = rows.get('1')!
    t.same(
      [2, 4, 5, 6, 7, 8, 9].map((i) => line.getCell(i).value),
      [certificate, 'Робототехника', 'robotics-1', '2024-11', novAmount / 100, 100, novLine / 100],
    )
    t.equal(rows.get('Всего оказано услуг')!.getCell(9).value, novLine / 100)
    t.equal(rows.get('Зачтён аванс')!.getCell(9).value, novAdvance / 100)
    t.equal(rows.get('Итого к оплате')!.getCell(9).value, novDue / 100)
    t.ok(rows.has('Без налога (НДС)'))
    t.equal(readAmountInWords(String(rows.get('Сумма прописью')!.getCell(9).value)), novDue)
  })

  await t.test('the text document stays as it was by default', async (t) => {
    const res = await app.inject({ url: `/v1/invoices/${novFinal}/document`, headers: provider })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/plain/)
    t.match(res.body, /^Счёт на оплату № F-2024-11-tambov-district-payer-1-prov-1 от 01\.12\.2024\n/)
  })

  await t.test('the reconciliation act: entries, figures, the balance in figures and words, both signatures', async (t) => {
    const url = '/v1/reconciliation/act?payer=payer-1&provider=prov-1&month=2024-11&on=2024-12-20&format=pdf'
    const res = await app.inject({ url, headers: payer })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers['content-type'], 'application/pdf')
    const text = await pdfText(res.rawPayload)
    t.match(text, 'Акт сверки взаимных расчётов за ноябрь 2024 г. по состоянию на 20.12.2024')
    t.match(text, `01.11.2024 Счёт на авансовый платёж № A-2024-11-tambov-district-payer-1-prov-1 ${rub(novAdvance)}`)
    t.match(text, `05.11.2024 Оплата, платёжное поручение № 60, по счёту № A-2024-11-tambov-district-payer-1-prov-1 ${rub(novAdvance)}`)
    t.match(text, `01.12.2024 Счёт на оплату (оказанные услуги) № F-2024-11-tambov-district-payer-1-prov-1 ${rub(novLine)}`)
    t.match(text, `05.12.2024 Оплата, платёжное поручение № 77, по счёту № F-2024-11-tambov-district-payer-1-prov-1 ${rub(10000)}`)
    t.match(text, `06.12.2024 Оплата, платёжное поручение № 78, по счёту № F-2024-11-tambov-district-payer-1-prov-1 ${rub(5000)}`)
    t.match(text, `07.12.2024 Сторно оплаты по платёжному поручению № 78, счёт № F-2024-11-tambov-district-payer-1-prov-1 -${rub(5000)}`)
    t.match(text, `Итого оплачено ${rub(novAdvance + 10000)}`, 'the reversed payment does not count')
    const outstanding = novDue - 10000
    t.match(
      text,
      `Задолженность: ${rub(outstanding)} руб., в том числе просроченная: ${rub(outstanding)} руб.`,
      'unpaid after 10 December: overdue on the 20th',
    )
    const balance = /задолженность плательщика перед поставщиком составляет ([\d ,]+) руб\. \((.+?)\)/.exec(text)
    t.equal(balance?.[1], rub(outstanding))
    t.equal(readAmountInWords(balance![2]!), outstanding)
    t.match(text, 'Без налога (НДС)')
    t.match(text, PAYER.headName)
    t.match(text, PROVIDER.headName)
    t.match(text, PAYER.inn)

    const earlier = await pdfText((await app.inject({ url: url.replace('2024-12-20', '2024-11-10'), headers: provider })).rawPayload)
    t.notMatch(earlier, 'F-2024-11', 'on 10 November the final invoice is not issued yet')
    t.match(earlier, FORMER_HEAD, 'the requisites in force on the act’s date')
    t.match(earlier, 'На 10.11.2024 задолженность отсутствует.', 'the advance paid: nothing owed')
  })

  await t.test('tenants: another provider’s or payer’s documents answer 404', async (t) => {
    const other = await bearer('provider', { providerId: 'prov-2' })
    t.equal((await app.inject({ url: `/v1/invoices/${novFinal}/document?format=pdf`, headers: other })).statusCode, 404)
    const act = await app.inject({ url: '/v1/reconciliation/act?payer=payer-1&provider=prov-1&month=2024-11', headers: other })
    t.equal(act.statusCode, 404)
    t.equal(act.json().code, 'invoice_not_found')
    const otherPayer = await bearer('payer', { payerId: 'payer-9' })
    t.equal((await app.inject({ url: '/v1/reconciliation/act?payer=payer-1&provider=prov-1&month=2024-11', headers: otherPayer })).statusCode, 404)
    const none = await app.inject({ url: '/v1/reconciliation/act?payer=payer-1&provider=prov-1&month=2025-03', headers: payer })
    t.equal(none.json().code, 'invoice_not_found', 'a month without invoices')
    t.equal((await app.inject({ url: '/v1/reconciliation/act?payer=payer-1&provider=prov-1&month=2024-13', headers: payer })).statusCode, 400)
  })

  await t.test('incomplete requisites: refused with the missing fields named, the text document still served', async (t) => {
    lookup = async (kind, id, on) => {
      const found = await validLookup(kind, id, on)
      if (!found || kind !== 'payer') return found
      const { bik: _bik, kpp: _kpp, ...rest } = PAYER
      return { ...found, requisites: rest }
    }
    const res = await app.inject({ url: `/v1/invoices/${novFinal}/document?format=pdf`, headers: payer })
    t.equal(res.statusCode, 422)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.json().code, 'requisites_incomplete')
    t.same(res.json().missing, [{ party: 'payer', id: 'payer-1', fields: ['bik', 'kpp'] }])
    t.match(res.json().detail, /payer payer-1 lacks bik, kpp/)
    const act = await app.inject({ url: '/v1/reconciliation/act?payer=payer-1&provider=prov-1&month=2024-11&on=2024-12-20', headers: payer })
    t.equal(act.json().code, 'requisites_incomplete')

    lookup = registeredNamesLookup(ledger)
    const xlsx = await app.inject({ url: `/v1/invoices/${novFinal}/document?format=xlsx`, headers: payer })
    t.equal(xlsx.statusCode, 422)
    const missing = xlsx.json().missing as { party: string; fields: string[] }[]
    t.same(
      missing.map((m) => m.party),
      ['payer', 'provider'],
      'today’s registry: neither party has requisites',
    )
    t.ok(missing[1]!.fields.includes('inn') && missing[1]!.fields.includes('settlementAccount') && missing[1]!.fields.includes('headName'))
    t.equal((await app.inject({ url: `/v1/invoices/${novFinal}/document`, headers: payer })).statusCode, 200, 'text needs no requisites')
    lookup = validLookup
  })

  await t.test('/openapi.json tells the media types and the error responses', async (t) => {
    const spec = (await app.inject({ url: '/openapi.json', headers: payer })).json()
    const doc = spec.paths['/v1/invoices/{invoiceId}/document'].get.responses
    t.same(Object.keys(doc['200'].content).sort(), ['application/pdf', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'text/plain'])
    const refusal = doc['422'].content['application/problem+json'].schema.properties
    t.same(refusal.code.enum, ['requisites_incomplete'])
    t.ok(refusal.missing, 'the missing fields')
    t.same(doc['404'].content['application/problem+json'].schema.properties.code.enum, ['invoice_not_found'])
    const act = spec.paths['/v1/reconciliation/act'].get
    t.same(Object.keys(act.responses['200'].content), ['application/pdf'])
    t.same(act.responses['422'].content['application/problem+json'].schema.properties.code.enum, ['requisites_incomplete'])
    t.same(act.parameters.map((p: { name: string }) => p.name).sort(), ['format', 'minPosition', 'month', 'on', 'payer', 'provider'])
  })
})
