import type { InvoiceDocumentData } from '../app/documents.ts'
import { amountInWords } from './amount-in-words.ts'
import { heading, line, newDocument, party, percent, rub, ruDate, ruMonth, signatures, table } from './layout.ts'

// The invoice as an accountant files it (счёт на оплату; for an advance, счёт на авансовый платёж): the provider's
// bank details first (where to pay), the number bank statements match, both parties' requisites, a line per contract
// month, the totals and the advance deducted, the amount due in figures and in words, and the provider's head's
// signature. Services of supplementary education under certificates are not subject to VAT: «Без налога (НДС)».

export const VAT_NOTE = 'Без налога (НДС)'

/** The document's title: «Счёт на оплату № … от …» or «Счёт на авансовый платёж № … от …». */
export const invoiceTitle = (d: InvoiceDocumentData) =>
  `${d.kind === 'final' ? 'Счёт на оплату' : 'Счёт на авансовый платёж'} № ${d.number} от ${ruDate(d.issuedOn)}`

/** The amount the payer is asked to pay: what is due, never below zero (an advance above the services is owed back). */
export const payable = (d: InvoiceDocumentData) => Math.max(d.amountDue, 0)

/** The lines as table rows: №, certificate, programme, group, month, month amount, completeness, line amount. */
function lineRows(d: InvoiceDocumentData): string[][] {
  return d.lines.map((l, i) => [
    String(i + 1),
    l.certificateNumber,
    l.programme,
    l.group,
    ruMonth(l.month),
    rub(l.monthAmount),
    percent(l.completenessBp),
    rub(l.lineAmount),
  ])
}

/** The totals block as lines of text, shared by the PDF and the workbook. */
function totalLines(d: InvoiceDocumentData): string[] {
  const out: string[] = []
  if (d.kind === 'final') {
    out.push(`Всего оказано услуг на сумму ${rub(d.total)} руб.`, `Зачтён аванс ${rub(d.advanceDeducted)} руб.`)
    if (d.amountDue < 0) out.push(`Аванс сверх оказанных услуг, подлежит возврату поставщиком: ${rub(-d.amountDue)} руб.`)
  } else {
    out.push(`Всего аванс на сумму ${rub(d.total)} руб.`)
  }
  out.push(`Итого к оплате: ${rub(payable(d))} руб.`, VAT_NOTE, `Сумма к оплате прописью: ${amountInWords(payable(d))}`)
  return out
}

const paymentPurpose = (d: InvoiceDocumentData) =>
  `Оплатить не позднее ${ruDate(d.dueBy)}. В назначении платежа укажите: «Оплата по счёту № ${d.number}, ${VAT_NOTE}».`

export async function invoicePdf(d: InvoiceDocumentData): Promise<Buffer> {
  const { doc, finish } = await newDocument(invoiceTitle(d))
  const p = d.provider.requisites
  table(
    doc,
    [
      { title: 'Банк получателя', width: 2.4 },
      { title: 'БИК / к/с', width: 2.6 },
      { title: 'ИНН / КПП получателя', width: 2 },
      { title: 'Получатель, р/с', width: 3 },
    ],
    [[p.bankName, `БИК ${p.bik}\nк/с ${p.correspondentAccount}`, `ИНН ${p.inn}${p.kpp ? `\nКПП ${p.kpp}` : ''}`, `${p.shortName}\nр/с ${p.settlementAccount}`]],
  )
  heading(doc, invoiceTitle(d))
  party(doc, 'Поставщик (исполнитель)', p)
  party(doc, 'Плательщик', d.payer.requisites)
  line(
    doc,
    `Основание: оплата образовательных услуг по сертификатам дополнительного образования за ${ruMonth(d.month)}; муниципальное образование ${d.municipality}.`,
  )
  doc.moveDown(0.5)
  table(
    doc,
    [
      { title: '№', width: 0.5, align: 'right' },
      { title: 'Сертификат', width: 1.6 },
      { title: 'Программа', width: 2.3 },
      { title: 'Группа', width: 1.3 },
      { title: 'Месяц', width: 1.6 },
      { title: 'Сумма за месяц, руб.', width: 1.3, align: 'right' },
      { title: d.kind === 'final' ? '% оказания услуги' : '% аванса', width: 1.2, align: 'right' },
      { title: 'Сумма, руб.', width: 1.3, align: 'right' },
    ],
    lineRows(d),
  )
  if (d.corrections.length > 0) {
    line(doc, 'Корректировки прошлых периодов:', { bold: true })
    table(
      doc,
      [
        { title: 'Сертификат', width: 2 },
        { title: 'Месяц', width: 1.5 },
        { title: 'К счёту', width: 4 },
        { title: 'Сумма, руб.', width: 1.5, align: 'right' },
      ],
      d.corrections.map((c) => [c.certificateNumber, ruMonth(c.month), c.correctsInvoiceId, rub(c.amount)]),
    )
  }
  for (const [i, text] of totalLines(d).entries()) line(doc, text, { bold: i === totalLines(d).length - 3 })
  doc.moveDown(0.5)
  line(doc, paymentPurpose(d))
  signatures(doc, [{ role: 'Руководитель поставщика', requisites: p }])
  return finish()
}
