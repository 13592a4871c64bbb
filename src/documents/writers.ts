// The PDF and XLSX writers, loaded on first use: together they take most of a second to load, which every start of
// the server, every CLI run and every test file would pay for documents most of them never make.
import type ExcelJS from 'exceljs'

/** A new, empty workbook. */
export async function newWorkbook(): Promise<ExcelJS.Workbook> {
  const { default: excel } = await import('exceljs')
  return new excel.Workbook()
}

/** pdfkit's document class. */
export async function pdfDocumentClass() {
  return (await import('pdfkit')).default
}
