import type { InvoiceDocumentData } from '../app/documents.ts'
import type { Requisites } from '../domain/organisation.ts'
import { amountInWords } from './amount-in-words.ts'
import { invoiceTitle, payable, VAT_NOTE } from './invoice-pdf.ts'
import { ruDate, ruMonth } from './layout.ts'
import { newWorkbook } from './writers.ts'

// The same invoice as a workbook, for accountants who re-key it into their own system: each requisite in a cell of
// its own (provider and payer side by side), the lines as numbers (roubles with two decimals, percentages), totals.

const REQUISITES: [keyof Requisites, string][] = [
  ['fullName', 'Полное наименование'],
  ['shortName', 'Сокращённое наименование'],
  ['inn', 'ИНН'],
  ['kpp', 'КПП'],
  ['ogrn', 'ОГРН'],
  ['legalAddress', 'Юридический адрес'],
  ['settlementAccount', 'Расчётный счёт'],
  ['bankName', 'Банк'],
  ['bik', 'БИК'],
  ['correspondentAccount', 'Корреспондентский счёт'],
  ['headName', 'Руководитель'],
  ['headTitle', 'Должность руководителя'],
]

const roubles = (kopecks: number) => kopecks / 100

export async function invoiceXlsx(d: InvoiceDocumentData): Promise<Buffer> {
  const book = await newWorkbook()
  const sheet = book.addWorksheet('Счёт')
  sheet.addRow([invoiceTitle(d)]).font = { bold: true, size: 13 }
  sheet.addRow(['Номер счёта (в назначение платежа)', d.number])
  sheet.addRow(['Период', ruMonth(d.month), 'Оплатить не позднее', ruDate(d.dueBy)])
  sheet.addRow([])
  sheet.addRow(['Реквизиты', 'Поставщик (исполнитель)', 'Плательщик']).font = { bold: true }
  // Requisites as text, so that leading zeros and 20-digit accounts stay exact.
  for (const [key, title] of REQUISITES) sheet.addRow([title, d.provider.requisites[key] ?? '', d.payer.requisites[key] ?? ''])
  sheet.addRow([])
  const header = [
    '№',
    'Сертификат',
    'Договор',
    'Программа',
    'Группа',
    'Месяц',
    'Сумма за месяц, руб.',
    d.kind === 'final' ? '% оказания услуги' : '% аванса',
    'Сумма, руб.',
  ]
  sheet.addRow(header).font = { bold: true }
  d.lines.forEach((l, i) => {
    sheet.addRow([
      i + 1,
      l.certificateNumber,
      l.contractId,
      l.programme,
      l.group,
      l.month,
      roubles(l.monthAmount),
      l.completenessBp / 100,
      roubles(l.lineAmount),
    ])
  })
  for (const c of d.corrections)
    sheet.addRow(['корр.', c.certificateNumber, c.contractId, `к счёту ${c.correctsInvoiceId}`, '', c.month, null, null, roubles(c.amount)])
  sheet.addRow([])
  const total = (label: string, kopecks: number) => sheet.addRow(['', '', '', '', '', '', '', label, roubles(kopecks)])
  if (d.kind === 'final') {
    total('Всего оказано услуг', d.total)
    total('Зачтён аванс', d.advanceDeducted)
    if (d.amountDue < 0) total('Аванс сверх услуг, к возврату поставщиком', -d.amountDue)
  } else {
    total('Всего аванс', d.total)
  }
  total('Итого к оплате', payable(d)).font = { bold: true }
  sheet.addRow(['', '', '', '', '', '', '', VAT_NOTE])
  sheet.addRow(['', '', '', '', '', '', '', 'Сумма прописью', amountInWords(payable(d))])
  const widths = [34, 34, 38, 30, 14, 10, 16, 22, 16]
  widths.forEach((w, i) => {
    sheet.getColumn(i + 1).width = w
  })
  for (const column of [7, 9]) sheet.getColumn(column).numFmt = '#,##0.00'
  sheet.getColumn(8).numFmt = '0.00'
  return Buffer.from(await book.xlsx.writeBuffer())
}
