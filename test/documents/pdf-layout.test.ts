import t from 'tap'
import { extractText, getDocumentProxy } from 'unpdf'
import type { ActDocumentData, InvoiceDocumentData } from '../../src/app/documents.ts'
import { invoicePdf } from '../../src/documents/invoice-pdf.ts'
import { reconciliationActPdf } from '../../src/documents/reconciliation-act-pdf.ts'
import type { Requisites } from '../../src/domain/organisation.ts'
import { readAmountInWords } from '../helpers/amount-words.ts'

// The printed layout on invoices no month of the API test has: many lines over several pages, corrections, an
// advance above the services, an individual entrepreneur without КПП.

const party = (n: number, extra: Partial<Requisites> = {}): Requisites => ({
  fullName: `Организация ${n}`,
  shortName: `Орг ${n}`,
  inn: `77070838${n}${n}`,
  kpp: `7736010${n}${n}`,
  ogrn: `102770013219${n}`,
  legalAddress: `Москва, ул. Первая, д. ${n}`,
  settlementAccount: `4070281093800000000${n}`,
  bankName: 'ПАО Банк',
  bik: `04452522${n}`,
  correspondentAccount: `3010181040000000022${n}`,
  headName: `Руководитель ${n}`,
  headTitle: 'Директор',
  ...extra,
})

const fold = (s: string) => s.replace(/\s+/g, ' ').replace(/(\w)- (?=\w)/g, '$1-')
const text = async (pdf: Buffer) => {
  const { text: pages } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: false })
  return { pages: pages.map(fold), text: fold(pages.join(' ')) }
}

const certificate = (i: number) => `C${String(i).padStart(9, '0')}`

function invoice(lines: number, overrides: Partial<InvoiceDocumentData> = {}): InvoiceDocumentData {
  const list = Array.from({ length: lines }, (_, i) => ({
    certificateNumber: certificate(i + 1),
    contractId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    contractDate: '2024-09-01',
    programme: i % 2 ? 'Робототехника для начинающих: конструирование и программирование' : 'Хор',
    group: `group-${i}`,
    month: '2024-10',
    monthAmount: 77655,
    completenessBp: 10000,
    lineAmount: 77655,
  }))
  const total = lines * 77655
  return {
    invoiceId: 'final-m-payer-prov-2024-10',
    kind: 'final',
    number: 'F-2024-10-m-payer-prov',
    issuedOn: '2024-11-01',
    dueBy: '2024-11-10',
    municipality: 'm',
    month: '2024-10',
    payer: { id: 'payer', requisites: party(1) },
    provider: { id: 'prov', requisites: party(2) },
    lines: list,
    corrections: [],
    total,
    advanceDeducted: 0,
    amountDue: total,
    ...overrides,
  }
}

t.test('a long invoice runs over pages, the table header on each, every line and the totals printed', async (t) => {
  const started = performance.now()
  const pdf = await invoicePdf(invoice(120))
  t.comment(`120 lines: ${Math.round(performance.now() - started)} ms, ${pdf.length} bytes`)
  const { pages, text: s } = await text(pdf)
  t.ok(pages.length >= 3, `${pages.length} pages`)
  for (const [i, page] of pages.entries()) {
    if (/C\d{9}/.test(page)) t.match(page, '№ Сертификат Программа Группа Месяц', `the table's header on page ${i + 1}, which has lines`)
  }
  for (let i = 1; i <= 120; i++) t.ok(s.includes(`${certificate(i)} `), `line ${i}`)
  // 120 × 776,55 = 93 186,00
  t.match(s, 'Всего оказано услуг на сумму 93 186,00 руб.')
  t.equal(readAmountInWords(/прописью: (.+? копе(?:йка|йки|ек))/.exec(s)![1]!), 9318600)
})

t.test('corrections, an advance above the services, an entrepreneur without КПП', async (t) => {
  const provider = party(3, { inn: '500100732259', kpp: undefined, ogrn: '304500116000157' })
  const d = invoice(1, {
    provider: { id: 'ip', requisites: provider },
    corrections: [{ certificateNumber: certificate(9), contractId: 'c', month: '2024-09', correctsInvoiceId: 'final-m-payer-prov-2024-09', amount: -10000 }],
    total: 67655,
    advanceDeducted: 70000,
    amountDue: -2345,
  })
  const { text: s } = await text(await invoicePdf(d))
  t.match(s, 'Корректировки прошлых периодов')
  t.match(s, 'сентябрь 2024 г. final-m-payer-prov-2024-09 -100,00')
  t.match(s, 'Всего оказано услуг на сумму 676,55 руб. Зачтён аванс 700,00 руб.')
  t.match(s, 'подлежит возврату поставщиком: 23,45 руб.')
  t.match(s, 'Итого к оплате: 0,00 руб.', 'nothing to pay when the advance exceeded the services')
  t.match(s, 'Сумма к оплате прописью: Ноль рублей 00 копеек')
  t.match(s, 'ИНН 500100732259, ОГРНИП 304500116000157', 'no КПП for an entrepreneur')
})

t.test('an act where the provider owes the payer', async (t) => {
  const zero = { advanceInvoiced: 0, advancePaid: 0, advancePaidLate: 0, finalInvoiced: 0, advanceDeducted: 0, finalDue: 0 }
  const d: ActDocumentData = {
    payer: { id: 'payer', requisites: party(1) },
    provider: { id: 'prov', requisites: party(2) },
    municipality: 'm',
    month: '2024-10',
    on: '2024-11-20',
    closedOn: '2024-11-01',
    entries: [{ date: '2024-10-01', kind: 'advance_invoice', invoiceNumber: 'A-1', paymentOrder: null, amount: 70000 }],
    figures: { ...zero, finalPaid: 0, finalPaidLate: 0, outstanding: -2345, overdueOutstanding: 0, refundedToCertificates: 0 },
  }
  const { text: s } = await text(await reconciliationActPdf(d))
  t.match(s, 'На 20.11.2024 задолженность поставщика перед плательщиком составляет 23,45 руб. (Двадцать три рубля 45 копеек).')
})
