import type { ProjectionReader } from '../read.ts'
import type { R } from '../view.ts'

// Lists from the provider-invoices read model: the payments of an invoice or of a month, and the invoices unpaid on a
// business date with those past their deadline (the 10th: of the month for an advance, of the next for a final).

const nextMonth = (m: string) => {
  const [y, mo] = m.split('-').map(Number) as [number, number]
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`
}

/** The day an invoice must be paid by: the 10th of its month (an advance), of the month after (a final invoice). */
const paymentDeadline = (kind: string, month: string) => (kind === 'final' ? `${nextMonth(month)}-10` : `${month}-10`)

export interface PaymentListItem {
  paymentId: string
  invoiceId: string
  invoiceNumber: string
  kind: string
  payerId: string
  providerId: string
  month: string
  amount: number
  paidOn: string
  paymentOrder: string
  overdue: boolean
  reversed: boolean
  reversedOn: string | null
}

export interface UnpaidInvoice {
  invoiceId: string
  number: string
  kind: string
  payerId: string
  providerId: string
  month: string
  issuedOn: string
  amountDue: number
  paid: number
  outstanding: number
  deadline: string
  overdue: boolean
}

export class InvoiceLists {
  constructor(private readonly reader: ProjectionReader) {}

  private get sql() {
    return this.reader.sql
  }

  private async payments(where: string, params: (string | null)[]): Promise<PaymentListItem[]> {
    const pi = await this.reader.schema('provider-invoices')
    const rows = await this.sql.unsafe<R[]>(
      `SELECT p.payment_id, p.invoice_id, i.number, i.kind, i.payer_id, i.provider_id, i.month, p.amount, p.paid_on::text AS paid_on,
              p.payment_order, p.overdue, p.reversed, p.reversed_on::text AS reversed_on
       FROM ${pi}.payments p JOIN ${pi}.invoices i USING (invoice_id) WHERE ${where} ORDER BY p.paid_on, p.payment_order, p.payment_id`,
      params,
    )
    return rows.map((r) => ({
      paymentId: r.payment_id,
      invoiceId: r.invoice_id,
      invoiceNumber: r.number,
      kind: r.kind,
      payerId: r.payer_id,
      providerId: r.provider_id,
      month: r.month,
      amount: Number(r.amount),
      paidOn: r.paid_on,
      paymentOrder: r.payment_order,
      overdue: r.overdue,
      reversed: r.reversed,
      reversedOn: r.reversed_on,
    }))
  }

  /** The payments recorded on an invoice (reversed ones too, marked). */
  ofInvoice(invoiceId: string): Promise<PaymentListItem[]> {
    return this.payments('p.invoice_id = $1', [invoiceId])
  }

  /** The payments of a municipality's invoices paid in a calendar month (of a payer, when given). */
  paidInMonth(municipality: string, month: string, payerId: string | null): Promise<PaymentListItem[]> {
    return this.payments(`i.municipality = $1 AND to_char(p.paid_on, 'YYYY-MM') = $2 AND ($3::text IS NULL OR i.payer_id = $3)`, [municipality, month, payerId])
  }

  /**
   * The invoices of a municipality unpaid on a business date, as the ledger knows them now: issued by then, less the
   * payments made by then and not reversed by then; an advance its month's final invoice deducted by then owes
   * nothing. Overdue: the date is after its deadline.
   */
  async unpaidOn(municipality: string, on: string, payerId: string | null): Promise<UnpaidInvoice[]> {
    const pi = await this.reader.schema('provider-invoices')
    const rows = await this.sql.unsafe<R[]>(
      `SELECT i.invoice_id, i.number, i.kind, i.payer_id, i.provider_id, i.month, i.issued_on::text AS issued_on, i.amount_due,
              coalesce((SELECT sum(p.amount) FROM ${pi}.payments p
                         WHERE p.invoice_id = i.invoice_id AND p.paid_on <= $2::date AND (p.reversed_on IS NULL OR p.reversed_on > $2::date)), 0)::bigint AS paid
       FROM ${pi}.invoices i
       WHERE i.municipality = $1 AND i.issued_on <= $2::date AND ($3::text IS NULL OR i.payer_id = $3)
         AND NOT (i.kind = 'advance' AND i.deducted_on IS NOT NULL AND i.deducted_on <= $2::date)
       ORDER BY i.month, i.provider_id, i.kind`,
      [municipality, on, payerId],
    )
    return rows
      .map((r) => {
        const deadline = paymentDeadline(r.kind, r.month)
        const outstanding = Number(r.amount_due) - Number(r.paid)
        return {
          invoiceId: r.invoice_id,
          number: r.number,
          kind: r.kind,
          payerId: r.payer_id,
          providerId: r.provider_id,
          month: r.month,
          issuedOn: r.issued_on,
          amountDue: Number(r.amount_due),
          paid: Number(r.paid),
          outstanding,
          deadline,
          overdue: on > deadline,
        }
      })
      .filter((i) => i.outstanding > 0)
  }
}
