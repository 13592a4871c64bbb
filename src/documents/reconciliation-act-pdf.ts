import type { ActDocumentData, ActEntry } from '../app/documents.ts'
import { amountInWords } from './amount-in-words.ts'
import { VAT_NOTE } from './invoice-pdf.ts'
import { heading, line, newDocument, party, rub, ruDate, ruMonth, signatures, table } from './layout.ts'

// Акт сверки взаимных расчётов of a payer and a provider for one month, as of a business date: the month's invoices,
// payments and reversals in date order, the month's figures as the reconciliation gives them, the balance in figures
// and in words, and both heads' signatures.

const actTitle = (d: ActDocumentData) => `Акт сверки взаимных расчётов за ${ruMonth(d.month)} по состоянию на ${ruDate(d.on)}`

function entryText(e: ActEntry): string {
  switch (e.kind) {
    case 'advance_invoice':
      return `Счёт на авансовый платёж № ${e.invoiceNumber}`
    case 'final_invoice':
      return `Счёт на оплату (оказанные услуги) № ${e.invoiceNumber}`
    case 'payment':
      return `Оплата, платёжное поручение № ${e.paymentOrder}, по счёту № ${e.invoiceNumber}`
    case 'reversal':
      return `Сторно оплаты по платёжному поручению № ${e.paymentOrder}, счёт № ${e.invoiceNumber}`
  }
}

/** The entries as rows: date, document, invoiced, paid (a reversal takes a payment back). */
function entryRows(d: ActDocumentData): string[][] {
  return d.entries.map((e) => {
    const invoiced = e.kind.endsWith('_invoice') ? rub(e.amount) : ''
    const paid = e.kind === 'payment' ? rub(e.amount) : e.kind === 'reversal' ? rub(-e.amount) : ''
    return [ruDate(e.date), entryText(e), invoiced, paid]
  })
}

/** The balance as of the act's date: who owes whom how much, in figures and in words. */
function balanceText(d: ActDocumentData): string {
  const o = d.figures.outstanding
  const on = ruDate(d.on)
  if (o === 0) return `На ${on} задолженность отсутствует.`
  const [debtor, creditor] = o > 0 ? ['плательщика', 'поставщиком'] : ['поставщика', 'плательщиком']
  return `На ${on} задолженность ${debtor} перед ${creditor} составляет ${rub(Math.abs(o))} руб. (${amountInWords(Math.abs(o))}).`
}

export async function reconciliationActPdf(d: ActDocumentData): Promise<Buffer> {
  const { doc, finish } = await newDocument(actTitle(d))
  heading(doc, actTitle(d))
  line(doc, `между ${d.payer.requisites.shortName} (плательщик) и ${d.provider.requisites.shortName} (поставщик образовательных услуг)`, { align: 'left' })
  doc.moveDown(0.5)
  party(doc, 'Плательщик', d.payer.requisites)
  party(doc, 'Поставщик', d.provider.requisites)
  line(
    doc,
    `Муниципальное образование ${d.municipality}. Месяц ${d.closedOn ? `закрыт ${ruDate(d.closedOn)}` : 'не закрыт: итоговый счёт ещё не выставлен, показаны только авансы'}.`,
  )
  doc.moveDown(0.5)
  table(
    doc,
    [
      { title: 'Дата', width: 1.2 },
      { title: 'Документ', width: 5 },
      { title: 'Выставлено, руб.', width: 1.5, align: 'right' },
      { title: 'Оплачено, руб.', width: 1.5, align: 'right' },
    ],
    [...entryRows(d), ['', 'Итого оплачено', '', rub(d.figures.advancePaid + d.figures.finalPaid)]],
    { boldLast: true },
  )
  const f = d.figures
  for (const text of [
    `Аванс выставлен: ${rub(f.advanceInvoiced)} руб.; оплачен: ${rub(f.advancePaid)} руб.`,
    `Оказано услуг (итоговый счёт): ${rub(f.finalInvoiced)} руб.; зачтён аванс: ${rub(f.advanceDeducted)} руб.; подлежит оплате: ${rub(f.finalDue)} руб.; оплачено: ${rub(f.finalPaid)} руб.`,
    `Возвращено на сертификаты: ${rub(f.refundedToCertificates)} руб.`,
    `Задолженность: ${rub(f.outstanding)} руб., в том числе просроченная: ${rub(f.overdueOutstanding)} руб.`,
  ]) {
    line(doc, text)
  }
  doc.moveDown(0.5)
  line(doc, balanceText(d), { bold: true })
  line(doc, VAT_NOTE)
  signatures(doc, [
    { role: 'От плательщика', requisites: d.payer.requisites },
    { role: 'От поставщика', requisites: d.provider.requisites },
  ])
  return finish()
}
