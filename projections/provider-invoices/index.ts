import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { invoiceIds } from '../../src/domain/invoice.ts'
import type { ProjectedEvent, Projection, Row, RowRef, Rows } from '../types.ts'

// Provider invoices (see tables.sql and projections/README.md): advance and final invoices as issued, their
// lines, the payments on them, the shortfalls refunded once a final invoice was paid in full, and the months closed.
// A final invoice deducts what was paid of its month's advance: from then on the advance owes nothing (the rest of
// the month's services is owed on the final invoice), so the advance row records when it was deducted.

type InvoiceOf = { municipality: string; payerId: string; providerId: string; month: string }
const advanceOf = (d: InvoiceOf) => invoiceIds.advance(d.municipality, d.payerId, d.providerId, d.month)

function touches(e: ProjectedEvent): RowRef[] {
  switch (e.type) {
    case 'AdvanceInvoiceIssued':
      return [
        { table: 'invoices', key: [e.data.invoiceId] },
        ...e.data.lines.map((l) => ({ table: 'invoice_lines', key: [e.data.invoiceId, l.contractId, e.data.month] })),
      ]
    case 'FinalInvoiceIssued':
      return [
        { table: 'invoices', key: [e.data.invoiceId] },
        { table: 'invoices', key: [advanceOf(e.data)] },
        ...e.data.lines.map((l) => ({ table: 'invoice_lines', key: [e.data.invoiceId, l.contractId, l.month] })),
        ...e.data.corrections.map((c) => ({ table: 'invoice_corrections', key: [c.correctionId] })),
      ]
    case 'PaymentRecorded':
      return [
        { table: 'invoices', key: [e.data.invoiceId] },
        { table: 'payments', key: [e.data.paymentId] },
      ]
    case 'ShortfallRefunded':
      return [{ table: 'invoices', key: [e.data.invoiceId] }]
    case 'PaymentReversed':
      return [
        { table: 'invoices', key: [e.data.invoiceId] },
        { table: 'payments', key: [e.data.reversesPaymentId] },
      ]
    case 'MonthClosed':
      return [{ table: 'month_closes', key: [e.data.municipality, e.data.month] }]
    default:
      return []
  }
}

/** Changes an invoice's row, when there is one. */
function update(rows: Rows, invoiceId: string, position: number, change: (i: Row) => Row) {
  const i = rows.get('invoices', [invoiceId])
  if (i) rows.put('invoices', [invoiceId], { ...i, ...change(i), last_position: position })
}

function issued(rows: Rows, e: Extract<ProjectedEvent, { type: 'AdvanceInvoiceIssued' | 'FinalInvoiceIssued' }>, position: number) {
  const d = e.data
  const final = e.type === 'FinalInvoiceIssued'
  rows.put('invoices', [d.invoiceId], {
    invoice_id: d.invoiceId,
    kind: final ? 'final' : 'advance',
    payer_id: d.payerId,
    provider_id: d.providerId,
    municipality: d.municipality,
    month: d.month,
    number: d.number,
    issued_on: d.issuedOn,
    total: d.total,
    advance_deducted: final ? e.data.advanceDeducted : 0,
    amount_due: final ? e.data.amountDue : d.total,
    amount_paid: 0,
    overdue_paid: 0,
    refunded: 0,
    settled_on: null,
    deducted_on: null,
    last_position: position,
  })
}

function apply(rows: Rows, e: ProjectedEvent): void {
  const position = Number(e.globalPosition)
  switch (e.type) {
    case 'AdvanceInvoiceIssued': {
      const d = e.data
      issued(rows, e, position)
      for (const l of d.lines) {
        rows.put('invoice_lines', [d.invoiceId, l.contractId, d.month], {
          invoice_id: d.invoiceId,
          contract_id: l.contractId,
          month: d.month,
          certificate_number: l.certificateNumber,
          contract_date: null,
          month_amount: l.monthAmount,
          completeness_bp: l.monthAmount > 0 ? Math.floor((l.amount * 10000) / l.monthAmount) : 0,
          line_amount: l.amount,
        })
      }
      return
    }
    case 'FinalInvoiceIssued': {
      const d = e.data
      issued(rows, e, position)
      update(rows, advanceOf(d), position, () => ({ deducted_on: d.issuedOn }))
      for (const l of d.lines) {
        rows.put('invoice_lines', [d.invoiceId, l.contractId, l.month], {
          invoice_id: d.invoiceId,
          contract_id: l.contractId,
          month: l.month,
          certificate_number: l.certificateNumber,
          contract_date: l.contractDate,
          month_amount: l.monthAmount,
          completeness_bp: l.completenessBp,
          line_amount: l.lineAmount,
        })
      }
      for (const c of d.corrections) {
        rows.put('invoice_corrections', [c.correctionId], {
          invoice_id: d.invoiceId,
          correction_id: c.correctionId,
          contract_id: c.contractId,
          certificate_number: c.certificateNumber,
          month: c.month,
          corrects_invoice_id: c.correctsInvoiceId,
          amount: c.amount,
        })
      }
      return
    }
    case 'PaymentRecorded': {
      const d = e.data
      if (!rows.get('invoices', [d.invoiceId])) return
      update(rows, d.invoiceId, position, (i) => ({
        amount_paid: (i.amount_paid as number) + d.amount,
        overdue_paid: (i.overdue_paid as number) + (d.overdue ? d.amount : 0),
      }))
      rows.put('payments', [d.paymentId], {
        payment_id: d.paymentId,
        invoice_id: d.invoiceId,
        amount: d.amount,
        paid_on: d.paidOn,
        payment_order: d.paymentOrder,
        overdue: d.overdue,
        reversed: false,
        reversed_on: null,
        last_position: position,
      })
      return
    }
    case 'PaymentReversed': {
      const d = e.data
      const p = rows.get('payments', [d.reversesPaymentId])
      update(rows, d.invoiceId, position, (i) => ({
        amount_paid: (i.amount_paid as number) - d.amount,
        overdue_paid: (i.overdue_paid as number) - (p?.overdue ? d.amount : 0),
      }))
      if (p) rows.put('payments', [d.reversesPaymentId], { ...p, reversed: true, reversed_on: d.reversedOn, last_position: position })
      return
    }
    case 'ShortfallRefunded':
      return update(rows, e.data.invoiceId, position, (i) => ({ refunded: (i.refunded as number) + e.data.amount, settled_on: e.data.refundedOn }))
    case 'MonthClosed':
      rows.put('month_closes', [e.data.municipality, e.data.month], {
        municipality: e.data.municipality,
        month: e.data.month,
        closed_on: e.data.closedOn,
        last_position: position,
      })
      return
  }
}

export const providerInvoices: Projection = {
  name: 'provider-invoices',
  version: 4,
  dir: path.dirname(fileURLToPath(import.meta.url)),
  tables: ['invoices', 'invoice_lines', 'invoice_corrections', 'payments', 'month_closes'],
  touches,
  apply,
}
