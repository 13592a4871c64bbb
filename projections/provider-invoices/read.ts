import type { ProjectionReader } from '../read.ts'
import { ProjectionRunner } from '../runner.ts'
import type { R } from '../view.ts'
import { providerInvoices as providerInvoicesProjection } from './index.ts'

// What the API and the CLI answer from the provider-invoices read model: invoices, their documents, and the payer's
// reconciliation of a month.

const nextMonth = (m: string) => {
  const [y, mo] = m.split('-').map(Number) as [number, number]
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`
}

/** The figures of a payer's reconciliation, per provider and in total (kopecks). */
export const RECONCILIATION_FIGURES = [
  'advanceInvoiced',
  'advancePaid',
  'advancePaidLate',
  'finalInvoiced',
  'advanceDeducted',
  'finalDue',
  'finalPaid',
  'finalPaidLate',
  'outstanding',
  'overdueOutstanding',
  'refundedToCertificates',
] as const
type ReconciliationFigure = (typeof RECONCILIATION_FIGURES)[number]

export class InvoiceReads {
  constructor(private readonly reader: ProjectionReader) {}

  private get sql() {
    return this.reader.sql
  }

  private get store() {
    return this.reader.store
  }

  private schema(name: string) {
    return this.reader.schema(name)
  }

  /** One invoice with its lines, for the printed document; null when there is none. */
  async document(invoiceId: string) {
    const pi = await this.schema('provider-invoices')
    const [row] = await this.sql.unsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM ${pi}.invoices t WHERE invoice_id = $1`, [invoiceId])
    if (!row) return null
    const lines = await this.sql.unsafe<{ j: string }[]>(
      `SELECT row_to_json(t)::text AS j FROM ${pi}.invoice_lines t WHERE invoice_id = $1 ORDER BY month, contract_id`,
      [invoiceId],
    )
    const corrections = await this.sql.unsafe<{ j: string }[]>(
      `SELECT row_to_json(t)::text AS j FROM ${pi}.invoice_corrections t WHERE invoice_id = $1 ORDER BY correction_id`,
      [invoiceId],
    )
    return { ...(JSON.parse(row.j) as R), lines: lines.map((l) => JSON.parse(l.j) as R), corrections: corrections.map((c) => JSON.parse(c.j) as R) } as R & {
      lines: R[]
      corrections: R[]
    }
  }

  /** The invoice with this number, after bringing the invoices projection up to everything committed. */
  async idByNumber(number: string): Promise<string | null> {
    await new ProjectionRunner(this.sql, this.store, [providerInvoicesProjection]).catchUp()
    const pi = await this.schema('provider-invoices')
    const [row] = await this.sql.unsafe<{ invoice_id: string }[]>(`SELECT invoice_id FROM ${pi}.invoices WHERE number = $1`, [number])
    return row?.invoice_id ?? null
  }

  async ofProvider(providerId: string, month: string | null, payerId: string | null) {
    const rows = await this.sql<R[]>`
      SELECT invoice_id, kind, number, payer_id, provider_id, municipality, month, issued_on::text AS issued_on,
             total::text AS total, advance_deducted::text AS advance_deducted, amount_due::text AS amount_due,
             amount_paid::text AS amount_paid, outstanding::text AS outstanding, status
      FROM reporting.provider_invoices
      WHERE provider_id = ${providerId} AND (${month}::text IS NULL OR month = ${month}) AND (${payerId}::text IS NULL OR payer_id = ${payerId})
      ORDER BY month, kind, invoice_id`
    const lines = rows.length
      ? await this.sql<R[]>`
          SELECT invoice_id, contract_id, month, certificate_number, contract_date::text AS contract_date, month_amount::text AS month_amount,
                 completeness_percent::text AS completeness_percent, line_amount::text AS line_amount
          FROM reporting.provider_invoice_lines WHERE invoice_id IN ${this.sql(rows.map((r) => r.invoice_id))} ORDER BY invoice_id, contract_id`
      : []
    return rows.map((r) => ({
      invoiceId: r.invoice_id,
      kind: r.kind,
      number: r.number,
      payerId: r.payer_id,
      providerId: r.provider_id,
      municipality: r.municipality,
      month: r.month,
      issuedOn: r.issued_on,
      total: r.total,
      advanceDeducted: r.advance_deducted,
      amountDue: r.amount_due,
      amountPaid: r.amount_paid,
      outstanding: r.outstanding,
      status: r.status,
      lines: lines
        .filter((l) => l.invoice_id === r.invoice_id)
        .map((l) => ({
          contractId: l.contract_id,
          month: l.month,
          certificateNumber: l.certificate_number,
          contractDate: l.contract_date,
          monthAmount: l.month_amount,
          completenessPercent: l.completeness_percent,
          lineAmount: l.line_amount,
        })),
    }))
  }

  /**
   * The payer's monthly view, per provider: advance and final invoices of the month, paid, outstanding, paid late
   * (advances and finals apart), refunded to certificates, in kopecks. With `on`, as of that business date: only
   * invoices issued, payments made (and not reversed), advances deducted and refunds made on or before it, and what
   * is then unpaid past its deadline as overdue. An advance deducted by its month's final invoice owes nothing: the
   * rest of the month's services is owed on the final invoice. `closedOn` says whether (and when) the month was
   * closed; before its close a month has advances only.
   */
  async reconciliation(municipality: string, month: string, payerId: string | null, on: string | null) {
    const pi = await this.schema('provider-invoices')
    const invoices = await this.sql.unsafe<R[]>(
      `SELECT invoice_id, provider_id, payer_id, kind, issued_on::text AS issued_on, total, advance_deducted, amount_due, refunded,
              settled_on::text AS settled_on, deducted_on::text AS deducted_on
       FROM ${pi}.invoices WHERE municipality = $1 AND month = $2 AND ($3::text IS NULL OR payer_id = $3) ORDER BY provider_id, kind`,
      [municipality, month, payerId],
    )
    const payments = invoices.length
      ? await this.sql.unsafe<R[]>(
          `SELECT invoice_id, amount, paid_on::text AS paid_on, overdue, reversed_on::text AS reversed_on FROM ${pi}.payments
           WHERE invoice_id IN (SELECT jsonb_array_elements_text($1::text::jsonb))`,
          [JSON.stringify(invoices.map((i) => i.invoice_id))],
        )
      : []
    const [close] = await this.sql.unsafe<R[]>(`SELECT closed_on::text AS closed_on FROM ${pi}.month_closes WHERE municipality = $1 AND month = $2`, [
      municipality,
      month,
    ])
    const by = (date: string | null) => date !== null && (on === null || date <= on)
    const deadline = (kind: string) => (kind === 'final' ? `${nextMonth(month)}-10` : `${month}-10`)
    const byProvider = new Map<string, R>()
    for (const r of invoices) {
      if (!by(r.issued_on)) continue
      const key = `${r.payer_id}|${r.provider_id}`
      const p = byProvider.get(key) ?? {
        providerId: r.provider_id,
        payerId: r.payer_id,
        advanceInvoiced: 0,
        advancePaid: 0,
        advancePaidLate: 0,
        finalInvoiced: 0,
        advanceDeducted: 0,
        finalDue: 0,
        finalPaid: 0,
        finalPaidLate: 0,
        outstanding: 0,
        overdueOutstanding: 0,
        refundedToCertificates: 0,
      }
      const counted = payments.filter((x) => x.invoice_id === r.invoice_id && by(x.paid_on) && !by(x.reversed_on))
      const paid = counted.reduce((sum, x) => sum + Number(x.amount), 0)
      const paidLate = counted.filter((x) => x.overdue).reduce((sum, x) => sum + Number(x.amount), 0)
      const deducted = r.kind === 'advance' && by(r.deducted_on)
      const unpaid = deducted ? 0 : Number(r.amount_due) - paid
      if (r.kind === 'advance') {
        p.advanceInvoiced += Number(r.total)
        p.advancePaid += paid
        p.advancePaidLate += paidLate
      } else {
        p.finalInvoiced += Number(r.total)
        p.advanceDeducted += Number(r.advance_deducted)
        p.finalDue += Number(r.amount_due)
        p.finalPaid += paid
        p.finalPaidLate += paidLate
        if (by(r.settled_on)) p.refundedToCertificates += Number(r.refunded)
      }
      p.outstanding += unpaid
      if (on !== null && on > deadline(r.kind)) p.overdueOutstanding += Math.max(unpaid, 0)
      byProvider.set(key, p)
    }
    const providers = [...byProvider.values()]
    const total = (field: string) => providers.reduce((sum, p) => sum + (p[field] as number), 0)
    const closedOn: string | null = close && by(close.closed_on) ? close.closed_on : null
    return {
      municipality,
      month,
      on,
      closedOn,
      status: closedOn !== null ? ('closed' as const) : ('not_closed' as const),
      providers,
      totals: Object.fromEntries(RECONCILIATION_FIGURES.map((f) => [f, total(f)])) as Record<ReconciliationFigure, number>,
    }
  }
  /** The programme and group of each contract, for the lines of a printed invoice. */
  async contractsOfLines(contractIds: readonly string[]): Promise<Map<string, { programmeId: string; groupId: string }>> {
    if (contractIds.length === 0) return new Map()
    const c = await this.schema('contracts')
    const rows = await this.sql.unsafe<R[]>(
      `SELECT contract_id, programme_id, group_id FROM ${c}.contracts WHERE contract_id IN (SELECT jsonb_array_elements_text($1::text::jsonb))`,
      [JSON.stringify(contractIds)],
    )
    return new Map(rows.map((r) => [r.contract_id as string, { programmeId: r.programme_id as string, groupId: r.group_id as string }]))
  }

  /** A payer's invoices from one provider for one month, with every payment of them (reversed ones too), for the reconciliation act. */
  async ofPair(payerId: string, providerId: string, month: string) {
    const pi = await this.schema('provider-invoices')
    const invoices = await this.sql.unsafe<R[]>(
      `SELECT invoice_id, kind, number, municipality, issued_on::text AS issued_on, total, advance_deducted, amount_due
       FROM ${pi}.invoices WHERE payer_id = $1 AND provider_id = $2 AND month = $3 ORDER BY issued_on, kind`,
      [payerId, providerId, month],
    )
    const payments = invoices.length
      ? await this.sql.unsafe<R[]>(
          `SELECT payment_id, invoice_id, amount, paid_on::text AS paid_on, payment_order, reversed_on::text AS reversed_on FROM ${pi}.payments
           WHERE invoice_id IN (SELECT jsonb_array_elements_text($1::text::jsonb)) ORDER BY paid_on, payment_id`,
          [JSON.stringify(invoices.map((i) => i.invoice_id))],
        )
      : []
    return {
      invoices: invoices.map((r) => ({
        invoiceId: r.invoice_id as string,
        kind: r.kind as 'advance' | 'final',
        number: r.number as string,
        municipality: r.municipality as string,
        issuedOn: r.issued_on as string,
        total: Number(r.total),
        amountDue: Number(r.amount_due),
      })),
      payments: payments.map((p) => ({
        invoiceId: p.invoice_id as string,
        amount: Number(p.amount),
        paidOn: p.paid_on as string,
        paymentOrder: p.payment_order as string,
        reversedOn: (p.reversed_on as string | null) ?? null,
      })),
    }
  }
}
