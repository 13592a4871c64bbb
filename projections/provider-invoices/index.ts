import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { invoiceIds } from '../../src/domain/invoice.ts'
import type { RecordedEvent } from '../../src/store/port.ts'
import type { Projection, RowRef, Rows } from '../types.ts'

// Provider invoices (see tables.sql and projections/README.md): advance and final invoices as issued, their
// lines, the payments on them, the shortfalls refunded once a final invoice was paid in full, and the months closed.
// A final invoice deducts what was paid of its month's advance: from then on the advance owes nothing (the rest of
// the month's services is owed on the final invoice), so the advance row records when it was deducted.

const advanceOf = (d: D) => invoiceIds.advance(d.municipality, d.payerId, d.providerId, d.month)

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event data read by field name, checked by events/
type D = Record<string, any>

function touches(e: RecordedEvent): RowRef[] {
  const d = e.data as D
  switch (e.type) {
    case 'AdvanceInvoiceIssued':
    case 'FinalInvoiceIssued':
      return [
        { table: 'invoices', key: [d.invoiceId] },
        ...(e.type === 'FinalInvoiceIssued' ? [{ table: 'invoices', key: [advanceOf(d)] }] : []),
        ...(d.lines as D[]).map((l) => ({ table: 'invoice_lines', key: [d.invoiceId, l.contractId, l.month ?? d.month] })),
        ...((d.corrections ?? []) as D[]).map((c) => ({ table: 'invoice_corrections', key: [c.correctionId] })),
      ]
    case 'PaymentRecorded':
      return [{ table: 'invoices', key: [d.invoiceId] }, { table: 'payments', key: [d.paymentId] }]
    case 'ShortfallRefunded':
      return [{ table: 'invoices', key: [d.invoiceId] }]
    case 'PaymentReversed':
      return [{ table: 'invoices', key: [d.invoiceId] }, { table: 'payments', key: [d.reversesPaymentId] }]
    case 'MonthClosed':
      return [{ table: 'month_closes', key: [d.municipality, d.month] }]
    default:
      return []
  }
}

function apply(rows: Rows, e: RecordedEvent): void {
  const d = e.data as D
  const position = Number(e.globalPosition)
  switch (e.type) {
    case 'AdvanceInvoiceIssued':
    case 'FinalInvoiceIssued': {
      const final = e.type === 'FinalInvoiceIssued'
      rows.put('invoices', [d.invoiceId], {
        invoice_id: d.invoiceId, kind: final ? 'final' : 'advance', payer_id: d.payerId, provider_id: d.providerId, municipality: d.municipality,
        month: d.month, number: d.number, issued_on: d.issuedOn, total: d.total, advance_deducted: final ? d.advanceDeducted : 0,
        amount_due: final ? d.amountDue : d.total, amount_paid: 0, overdue_paid: 0, refunded: 0, settled_on: null, deducted_on: null, last_position: position,
      })
      if (final) {
        const advance = rows.get('invoices', [advanceOf(d)])
        if (advance) rows.put('invoices', [advanceOf(d)], { ...advance, deducted_on: d.issuedOn, last_position: position })
      }
      for (const l of d.lines as D[]) {
        const month = l.month ?? d.month
        rows.put('invoice_lines', [d.invoiceId, l.contractId, month], {
          invoice_id: d.invoiceId, contract_id: l.contractId, month, certificate_number: l.certificateNumber, contract_date: l.contractDate ?? null,
          month_amount: l.monthAmount, completeness_bp: final ? l.completenessBp : l.monthAmount > 0 ? Math.floor((l.amount * 10000) / l.monthAmount) : 0, line_amount: final ? l.lineAmount : l.amount,
        })
      }
      for (const c of (d.corrections ?? []) as D[]) {
        rows.put('invoice_corrections', [c.correctionId], {
          invoice_id: d.invoiceId, correction_id: c.correctionId, contract_id: c.contractId, certificate_number: c.certificateNumber, month: c.month,
          corrects_invoice_id: c.correctsInvoiceId, amount: c.amount,
        })
      }
      return
    }
    case 'PaymentRecorded': {
      const i = rows.get('invoices', [d.invoiceId])
      if (!i) return
      rows.put('invoices', [d.invoiceId], {
        ...i, amount_paid: (i.amount_paid as number) + d.amount, overdue_paid: (i.overdue_paid as number) + (d.overdue ? d.amount : 0), last_position: position,
      })
      rows.put('payments', [d.paymentId], {
        payment_id: d.paymentId, invoice_id: d.invoiceId, amount: d.amount, paid_on: d.paidOn, payment_order: d.paymentOrder, overdue: d.overdue, reversed: false, reversed_on: null,
        last_position: position,
      })
      return
    }
    case 'PaymentReversed': {
      const i = rows.get('invoices', [d.invoiceId])
      const p = rows.get('payments', [d.reversesPaymentId])
      if (i) {
        rows.put('invoices', [d.invoiceId], {
          ...i, amount_paid: (i.amount_paid as number) - d.amount, overdue_paid: (i.overdue_paid as number) - (p?.overdue ? d.amount : 0), last_position: position,
        })
      }
      if (p) rows.put('payments', [d.reversesPaymentId], { ...p, reversed: true, reversed_on: d.reversedOn, last_position: position })
      return
    }
    case 'ShortfallRefunded': {
      const i = rows.get('invoices', [d.invoiceId])
      if (i) rows.put('invoices', [d.invoiceId], { ...i, refunded: (i.refunded as number) + d.amount, settled_on: d.refundedOn, last_position: position })
      return
    }
    case 'MonthClosed':
      rows.put('month_closes', [d.municipality, d.month], { municipality: d.municipality, month: d.month, closed_on: d.closedOn, last_position: position })
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
