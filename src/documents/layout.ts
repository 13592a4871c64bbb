import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Kopecks } from '../domain/money.ts'
import type { Requisites } from '../domain/organisation.ts'
import { pdfDocumentClass } from './writers.ts'

// What every printed document shares: A4 pages, DejaVu Sans embedded from its npm package (no system font is
// assumed; the PDF carries the subset it uses), Russian figures and dates, requisites, tables and signatures.

type Doc = PDFKit.PDFDocument

const require = createRequire(import.meta.url)
let fonts: { regular: Buffer; bold: Buffer } | undefined
/**
 * Read once per process. Each document parses them anew: a parsed font object shared between documents mixes up
 * their glyph maps (letters vanish from the second document's text), so only the bytes are shared.
 */
function loadFonts() {
  fonts ??= {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  }
  return fonts
}

const MARGIN = 40
const NBSP = '\u00a0'

/** 587180 → «5 871,80» (a non-breaking space between thousands, a decimal comma), as Russian documents print it. */
export function rub(kopecks: Kopecks): string {
  const sign = kopecks < 0 ? '-' : ''
  const abs = Math.abs(kopecks)
  const roubles = String(Math.trunc(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, NBSP)
  return `${sign}${roubles},${String(abs % 100).padStart(2, '0')}`
}

/** 2024-11-01 → 01.11.2024. */
export const ruDate = (iso: string) => iso.split('-').reverse().join('.')

const MONTHS = ['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь']
/** 2024-10 → «октябрь 2024 г.». */
export const ruMonth = (m: string) => `${MONTHS[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)} г.`

/** Basis points → «90,00 %». */
export const percent = (bp: number) => `${rub(bp)}${NBSP}%`

/** A new A4 document with the fonts registered; `finish` ends it and resolves with its bytes. */
export async function newDocument(title: string): Promise<{ doc: Doc; finish: () => Promise<Buffer> }> {
  const { regular, bold } = loadFonts()
  const PDFDocument = await pdfDocumentClass()
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: title, Producer: 'pfdo-ledger' }, lang: 'ru-RU' } as PDFKit.PDFDocumentOptions)
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const ended = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.registerFont('regular', regular)
  doc.registerFont('bold', bold)
  doc.font('regular').fontSize(9)
  return {
    doc,
    finish: () => {
      doc.end()
      return ended
    },
  }
}

const contentWidth = (doc: Doc) => doc.page.width - 2 * MARGIN

export function heading(doc: Doc, text: string) {
  doc
    .moveDown(0.5)
    .font('bold')
    .fontSize(13)
    .text(text, MARGIN, doc.y, { width: contentWidth(doc), align: 'center' })
    .font('regular')
    .fontSize(9)
    .moveDown(0.5)
}

/** A line of text across the page; `bold` for totals. */
export function line(doc: Doc, text: string, options: { bold?: boolean; align?: 'left' | 'right' } = {}) {
  doc
    .font(options.bold ? 'bold' : 'regular')
    .text(text, MARGIN, doc.y, { width: contentWidth(doc), align: options.align ?? 'left' })
    .font('regular')
}

/** An organisation's requisites as one paragraph after its role («Поставщик», «Плательщик»). */
function requisitesText(r: Requisites): string {
  return [
    r.fullName,
    `ИНН${NBSP}${r.inn}${r.kpp ? `, КПП${NBSP}${r.kpp}` : ''}, ${r.ogrn.length === 15 ? 'ОГРНИП' : 'ОГРН'}${NBSP}${r.ogrn}`,
    r.legalAddress,
    // «р/с» and «к/с» would break after their slash: the words in full, joined to the figures.
    `расч.${NBSP}счёт${NBSP}${r.settlementAccount} в ${r.bankName}, БИК${NBSP}${r.bik}, корр.${NBSP}счёт${NBSP}${r.correspondentAccount}`,
  ].join(', ')
}

export function party(doc: Doc, role: string, r: Requisites) {
  doc
    .font('bold')
    .text(`${role}: `, MARGIN, doc.y, { continued: true, width: contentWidth(doc) })
    .font('regular')
    .text(requisitesText(r))
  doc.moveDown(0.3)
}

export interface Column {
  title: string
  /** A share of the content width. */
  width: number
  align?: 'left' | 'right' | 'center'
}

/** A table with borders; the header is repeated on every page the rows run onto. */
export function table(doc: Doc, columns: Column[], rows: string[][], options: { boldLast?: boolean } = {}) {
  const total = columns.reduce((s, c) => s + c.width, 0)
  const widths = columns.map((c) => (c.width / total) * contentWidth(doc))
  const pad = 3
  const drawRow = (cells: string[], bold: boolean) => {
    doc.font(bold ? 'bold' : 'regular').fontSize(8)
    const height = Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: widths[i]! - 2 * pad }))) + 2 * pad
    if (doc.y + height > doc.page.height - MARGIN) {
      doc.addPage()
      if (cells !== header) drawRow(header, true)
    }
    const top = doc.y
    let x = MARGIN
    cells.forEach((cell, i) => {
      doc.rect(x, top, widths[i]!, height).stroke()
      doc.text(cell, x + pad, top + pad, { width: widths[i]! - 2 * pad, align: columns[i]!.align ?? 'left' })
      x += widths[i]!
    })
    doc.x = MARGIN
    doc.y = top + height
  }
  const header = columns.map((c) => c.title)
  drawRow(header, true)
  for (const [i, row] of rows.entries()) drawRow(row, options.boldLast === true && i === rows.length - 1)
  doc.font('regular').fontSize(9).moveDown(0.5)
}

/** Signature lines: the title, a line to sign on, the name; side by side. */
export function signatures(doc: Doc, signers: { role: string; requisites: Requisites }[]) {
  doc.moveDown(1.5)
  if (doc.y + 60 > doc.page.height - MARGIN) doc.addPage()
  const top = doc.y
  const width = contentWidth(doc) / signers.length
  signers.forEach((s, i) => {
    const x = MARGIN + i * width
    doc.font('bold').text(s.role, x, top, { width: width - 10 })
    doc.font('regular').text(s.requisites.headTitle, x, doc.y, { width: width - 10 })
    doc.text(`________________ / ${s.requisites.headName} /`, x, doc.y + 14, { width: width - 10 })
    doc.text('М.П.', x, doc.y + 4, { width: width - 10 })
  })
  doc.x = MARGIN
}
