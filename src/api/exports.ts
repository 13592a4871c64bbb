import { newWorkbook } from '../documents/writers.ts'

// Spreadsheets a Russian accountant opens directly: CSV with `;`, a UTF-8 BOM and decimal commas, and XLSX.

const RECONCILIATION_COLUMNS = [
  ['providerId', 'Поставщик'],
  ['providerName', 'Наименование поставщика'],
  ['payerId', 'Плательщик'],
  ['payerName', 'Наименование плательщика'],
  ['advanceInvoiced', 'Аванс выставлен'],
  ['advancePaid', 'Аванс оплачен'],
  ['advancePaidLate', 'Аванс оплачен с просрочкой'],
  ['finalInvoiced', 'Оказано услуг (итоговый счёт)'],
  ['advanceDeducted', 'Зачтён аванс'],
  ['finalDue', 'Подлежит оплате'],
  ['finalPaid', 'Оплачено по итоговому счёту'],
  ['finalPaidLate', 'Итоговый счёт оплачен с просрочкой'],
  ['outstanding', 'Задолженность'],
  ['overdueOutstanding', 'Просроченная задолженность'],
  ['refundedToCertificates', 'Возвращено на сертификаты'],
] as const
/** The columns before the amounts: the ids and the names of the provider and the payer. */
const TEXT_COLUMNS = 4

type Row = Record<string, string | number | null>

/** 123456 kopecks → "1234,56" (decimal comma, no thousands separator, as spreadsheets read it). */
const rubles = (kopecks: number) => {
  const sign = kopecks < 0 ? '-' : ''
  const abs = Math.abs(kopecks)
  return `${sign}${Math.trunc(abs / 100)},${String(abs % 100).padStart(2, '0')}`
}

const csvCell = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)

/** The reconciliation as CSV; `note` (a month not closed, say) is a last line of its own. */
export function reconciliationCsv(providers: Row[], totals: Row, note: string | null = null): string {
  const lines = [RECONCILIATION_COLUMNS.map(([, title]) => title).join(';')]
  const line = (r: Row) =>
    RECONCILIATION_COLUMNS.map(([key]) => csvCell(typeof r[key] === 'number' ? rubles(r[key] as number) : String(r[key] ?? ''))).join(';')
  for (const p of providers) lines.push(line(p))
  lines.push(line({ ...totals, providerId: 'Итого', providerName: '', payerId: '', payerName: '' }))
  if (note) lines.push(csvCell(note))
  return `\uFEFF${lines.join('\r\n')}\r\n`
}

/** The reconciliation as a workbook: a title, `note` under it when there is one, then the table. */
export async function reconciliationXlsx(title: string, providers: Row[], totals: Row, note: string | null = null): Promise<Buffer> {
  const book = await newWorkbook()
  const sheet = book.addWorksheet('Сверка')
  sheet.addRow([title]).font = { bold: true }
  if (note) sheet.addRow([note]).font = { italic: true }
  sheet.addRow(RECONCILIATION_COLUMNS.map(([, t]) => t)).font = { bold: true }
  // Amounts as numbers in roubles (exact: kopecks / 100 has two decimals) with a two-decimal format.
  const values = (r: Row) => RECONCILIATION_COLUMNS.map(([key]) => (typeof r[key] === 'number' ? (r[key] as number) / 100 : (r[key] ?? '')))
  for (const p of providers) sheet.addRow(values(p))
  sheet.addRow(values({ ...totals, providerId: 'Итого', providerName: '', payerId: '', payerName: '' })).font = { bold: true }
  RECONCILIATION_COLUMNS.forEach((_, i) => {
    const column = sheet.getColumn(i + 1)
    column.width = i < TEXT_COLUMNS ? (i % 2 === 1 ? 40 : 20) : 18
    if (i >= TEXT_COLUMNS) column.numFmt = '#,##0.00'
  })
  return Buffer.from(await book.xlsx.writeBuffer())
}

const MONTHS = ['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь']
const ruDate = (iso: string) => iso.split('-').reverse().join('.')
const ruMonth = (m: string) => `${MONTHS[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)} г.`

/**
 * The final (or advance) invoice as the reference systems print it: a line per contract — contract number and
 * date, certificate number, % of the service delivered, amount — then "Всего оказано услуг на сумму …" and
 * "Подлежит оплате …". Plain UTF-8 text, amounts with a decimal comma.
 */
export function invoiceDocument(invoice: Row & { lines: Row[]; corrections: Row[] }): string {
  const final = invoice.kind === 'final'
  const out = [
    `${final ? 'Счёт на оплату' : 'Счёт на авансовый платёж'} № ${invoice.number} от ${ruDate(String(invoice.issued_on))}`,
    `Плательщик: ${invoice.payer_id}`,
    `Поставщик образовательных услуг: ${invoice.provider_id}`,
    `Муниципальное образование: ${invoice.municipality}`,
    `Период: ${ruMonth(String(invoice.month))}`,
    '',
    ['№', 'Договор (номер, дата)', 'Сертификат', 'Месяц', final ? '% оказания услуги' : '% аванса', 'Сумма, руб.'].join('\t'),
  ]
  invoice.lines.forEach((l, i) => {
    const percent = rubles(Number(l.completeness_bp)) // basis points / 100: "75,00"
    out.push(
      [
        String(i + 1),
        `${l.contract_id}${l.contract_date ? ` от ${ruDate(String(l.contract_date))}` : ''}`,
        String(l.certificate_number),
        String(l.month),
        percent,
        rubles(Number(l.line_amount)),
      ].join('\t'),
    )
  })
  if (invoice.corrections.length > 0) {
    out.push('', 'Корректировки прошлых периодов:')
    for (const c of invoice.corrections) {
      out.push([`${c.contract_id}`, String(c.certificate_number), String(c.month), `к счёту ${c.corrects_invoice_id}`, rubles(Number(c.amount))].join('\t'))
    }
  }
  out.push('')
  if (final) {
    out.push(`Всего оказано услуг на сумму ${rubles(Number(invoice.total))} руб.`)
    out.push(`Зачтён аванс ${rubles(Number(invoice.advance_deducted))} руб.`)
    out.push(`Подлежит оплате ${rubles(Number(invoice.amount_due))} руб.`)
  } else {
    out.push(`Подлежит оплате (аванс) ${rubles(Number(invoice.total))} руб.`)
  }
  out.push(`Оплачено ${rubles(Number(invoice.amount_paid))} руб.`)
  return `${out.join('\n')}\n`
}

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** What a coverage answer holds that a spreadsheet shows: counts and shares on one date. */
interface CoverageSheet {
  municipality: string
  date: string
  population: number | null
  childrenEnrolled: number
  coverageShare: string | null
  byDirection: { key: string; children: number; share: string | null }[]
  byAge: { key: string; children: number; share: string | null }[]
  byCertificateType: { key: string; children: number; share: string | null }[]
  byProvider: { key: string; children: number; share: string | null }[]
}

const COVERAGE_COLUMNS = ['Разрез', 'Значение', 'Детей', 'Доля от детей 5–18 лет'] as const
const COVERAGE_DIMENSIONS = [
  ['byDirection', 'Направленность'],
  ['byAge', 'Возраст'],
  ['byCertificateType', 'Тип сертификата'],
  ['byProvider', 'Поставщик'],
] as const

/** "0.4420" → "0,4420" for a spreadsheet with a decimal comma; empty when there is no population to divide by. */
const shareCell = (share: string | null) => (share === null ? '' : share.replace('.', ','))

function coverageRows(c: CoverageSheet): [string, string, number, string | null][] {
  const rows: [string, string, number, string | null][] = [['Всего', 'уникальных детей', c.childrenEnrolled, c.coverageShare]]
  for (const [field, title] of COVERAGE_DIMENSIONS) for (const b of c[field]) rows.push([title, b.key, b.children, b.share])
  return rows
}

const coverageTitle = (c: CoverageSheet) =>
  `Охват детей дополнительным образованием: ${c.municipality} на ${ruDate(c.date)}${c.population === null ? '' : `, детей 5–18 лет: ${c.population}`}`

/** Coverage as CSV: a title line, then each count with its share of the population aged 5–18. */
export function coverageCsv(c: CoverageSheet): string {
  const lines = [csvCell(coverageTitle(c)), COVERAGE_COLUMNS.join(';')]
  for (const [dimension, key, children, share] of coverageRows(c)) lines.push([csvCell(dimension), csvCell(key), String(children), shareCell(share)].join(';'))
  return `\uFEFF${lines.join('\r\n')}\r\n`
}

/** Coverage as a workbook: the same rows, shares as percentages. */
export async function coverageXlsx(c: CoverageSheet): Promise<Buffer> {
  const book = await newWorkbook()
  const sheet = book.addWorksheet('Охват')
  sheet.addRow([coverageTitle(c)]).font = { bold: true }
  sheet.addRow([...COVERAGE_COLUMNS]).font = { bold: true }
  // A share is exact in four decimals; the cell shows it as a percentage.
  for (const [dimension, key, children, share] of coverageRows(c)) sheet.addRow([dimension, key, children, share === null ? null : Number(share)])
  sheet.getColumn(1).width = 20
  sheet.getColumn(2).width = 28
  sheet.getColumn(4).numFmt = '0.00%'
  return Buffer.from(await book.xlsx.writeBuffer())
}
