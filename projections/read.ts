import type { Sql } from '../src/db/database.ts'
import { formatAmount } from '../src/domain/money.ts'
import { type AsOf, effectiveOn } from '../src/audit/as-of.ts'
import { compareLogPositions, type EventStore, type LogPosition } from '../src/store/port.ts'
import { certificateBalances } from './certificate-balances/index.ts'
import { contracts as contractsProjection } from './contracts/index.ts'
import { providerInvoices as providerInvoicesProjection } from './provider-invoices/index.ts'
import { projectable, readCheckpoint } from './postgres.ts'
import { RowSet } from './rows.ts'
import { activeSchema, ProjectionRunner } from './runner.ts'
import type { Row } from './types.ts'

// The read side: what the API and the CLI answer from the projections, and the same answers as of an earlier
// moment, folded from the log with the projections' own functions and formatted by the same code.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are JSON read by column name
type R = Record<string, any>

const money = (k: unknown) => formatAmount(Number(k ?? 0))

export interface CertificateView {
  certificateNumber: string
  municipality: string
  birthDate: string
  issuedOn: string
  requestedType: string
  type: string
  status: 'issued' | 'active' | 'frozen'
  activatedOn: string | null
  frozenInPeriod: string | null
  periods: { periodId: string; nominal: string; reserved: string; spent: string; balance: string; runningContracts: number; pendingContracts: number }[]
  contracts: ContractView[]
  lastPosition: string
}

export interface ContractView {
  contractId: string
  certificateNumber: string
  groupId: string
  programmeId: string
  providerId: string
  payerId: string | null
  municipality: string
  periodId: string
  kind: string
  direction: string
  status: string
  requestedOn: string
  startDate: string
  endDate: string
  acceptedOn: string | null
  refusedOn: string | null
  terminatedOn: string | null
  lastMonth: string | null
  closesOn: string | null
  closedOn: string | null
  days: number
  months: number
  fullPrice: string
  normativeCost: string
  certificatePart: string
  parentPart: string
  released: string
  writtenOff: string
  schedule: { month: string; certificate: string; parent: string }[]
}

export function contractView(c: R): ContractView {
  return {
    contractId: c.contract_id, certificateNumber: c.certificate_number, groupId: c.group_id, programmeId: c.programme_id, providerId: c.provider_id,
    payerId: c.payer_id, municipality: c.municipality, periodId: c.period_id, kind: c.kind, direction: c.direction, status: c.status,
    requestedOn: c.requested_on, startDate: c.start_date, endDate: c.end_date, acceptedOn: c.accepted_on, refusedOn: c.refused_on,
    terminatedOn: c.terminated_on, lastMonth: c.last_month, closesOn: c.closes_on, closedOn: c.closed_on,
    days: c.quote.days, months: c.quote.months, fullPrice: money(c.quote.all), normativeCost: money(c.quote.normative),
    certificatePart: money(c.certificate_part), parentPart: money(c.parent_part), released: money(c.released), writtenOff: money(c.written_off),
    schedule: (c.schedule as R[]).map((s) => ({ month: s.month, certificate: money(s.certificate), parent: money(s.parent) })),
  }
}

/** The certificate as the API shows it, from rows of the certificate-balances and contracts projections. */
export function certificateView(certificate: R, balances: R[], links: R[], contracts: R[]): CertificateView {
  const status = certificate.frozen_in ? 'frozen' : certificate.active ? 'active' : 'issued'
  const count = (period: string, statuses: string[]) => links.filter((l) => l.period_id === period && statuses.includes(l.status)).length
  const byId = [...contracts].sort((a, b) => (a.requested_on === b.requested_on ? (a.contract_id < b.contract_id ? -1 : 1) : a.requested_on < b.requested_on ? -1 : 1))
  return {
    certificateNumber: certificate.certificate_number,
    municipality: certificate.municipality,
    birthDate: certificate.birth_date,
    issuedOn: certificate.issued_on,
    requestedType: certificate.requested_type,
    type: certificate.type,
    status,
    activatedOn: certificate.activated_on,
    frozenInPeriod: certificate.frozen_in,
    periods: [...balances]
      .sort((a, b) => (a.period_id < b.period_id ? -1 : 1))
      .map((b) => ({
        periodId: b.period_id, nominal: money(b.nominal), reserved: money(b.reserved), spent: money(b.spent), balance: money(b.balance),
        runningContracts: count(b.period_id, ['accepted', 'terminated']), pendingContracts: count(b.period_id, ['requested']),
      })),
    contracts: byId.map(contractView),
    lastPosition: String([certificate, ...balances].reduce((m, r) => Math.max(m, Number(r.last_position)), 0)),
  }
}

const nextMonth = (m: string) => {
  const [y, mo] = m.split('-').map(Number) as [number, number]
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`
}

/** The figures of a payer's reconciliation, per provider and in total (kopecks). */
export const RECONCILIATION_FIGURES = [
  'advanceInvoiced', 'advancePaid', 'advancePaidLate', 'finalInvoiced', 'advanceDeducted', 'finalDue', 'finalPaid', 'finalPaidLate', 'outstanding',
  'overdueOutstanding', 'refundedToCertificates',
] as const
export type ReconciliationFigure = (typeof RECONCILIATION_FIGURES)[number]

export interface Page<T> {
  items: T[]
  /** Pass as `after` for the next page; null on the last one. */
  next: string | null
}

export class ProjectionReader {
  constructor(private readonly sql: Sql, private readonly store: EventStore) {}

  private async schema(name: string) {
    return (await activeSchema(this.sql, name)).schema
  }

  /** The log position the named projections have all reached: what an answer built from them is current to. */
  async position(names: readonly string[]): Promise<LogPosition> {
    const checkpoints = await Promise.all(names.map(async (n) => readCheckpoint(this.sql, await this.schema(n))))
    return checkpoints.reduce((a, b) => (compareLogPositions(a, b) <= 0 ? a : b))
  }

  /** Waits until the named projections include the event at `globalPosition` (read-your-writes); false on timeout. */
  async waitFor(names: readonly string[], globalPosition: bigint, timeoutMs: number): Promise<boolean> {
    const target = await this.store.positionOf(globalPosition)
    if (!target) return false
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (compareLogPositions(await this.position(names), target) >= 0) return true
      if (Date.now() >= deadline) return false
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  async certificate(number: string): Promise<CertificateView | null> {
    const cb = await this.schema('certificate-balances')
    const ct = await this.schema('contracts')
    const [certificate] = await this.sql.unsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM ${cb}.certificates t WHERE certificate_number = $1`, [number])
    if (!certificate) return null
    const rows = async (q: string) => (await this.sql.unsafe<{ j: string }[]>(q, [number])).map((r) => JSON.parse(r.j) as R)
    return certificateView(
      JSON.parse(certificate.j),
      await rows(`SELECT row_to_json(t)::text AS j FROM ${cb}.certificate_balances t WHERE certificate_number = $1`),
      await rows(`SELECT row_to_json(t)::text AS j FROM ${cb}.certificate_contracts t WHERE certificate_number = $1`),
      await rows(`SELECT row_to_json(t)::text AS j FROM ${ct}.contracts t WHERE certificate_number = $1`),
    )
  }

  /**
   * The certificate as it was: its events effective by the business date and recorded within the bound, folded by
   * the same projection functions into rows held in memory, and shown by the same view. Returns the position of the
   * last event folded, and when the certificate was issued (to say why there is nothing on an earlier date).
   */
  async certificateAsOf(number: string, asOf: AsOf): Promise<{ view: CertificateView | null; position: bigint | null; issuedOn: string | null }> {
    const known = await this.store.readTouching({ certificateNumber: number }, asOf.known)
    const events = projectable(known.filter(effectiveOn(asOf.on)))
    const rows = new RowSet(false)
    for (const e of events) {
      certificateBalances.apply(rows, e)
      contractsProjection.apply(rows, e)
    }
    const issued = known.find((e) => e.type === 'CertificateIssued')
    const issuedOn = issued ? (issued.data as { issuedOn: string }).issuedOn : null
    const certificate = rows.get('certificates', [number])
    const last = events[events.length - 1]
    if (!certificate) return { view: null, position: last?.globalPosition ?? null, issuedOn }
    const view = certificateView(
      certificate,
      rows.all('certificate_balances') as R[],
      rows.all('certificate_contracts') as R[],
      (rows.all('contracts') as R[]).filter((c) => c.certificate_number === number),
    )
    return { view, position: last?.globalPosition ?? null, issuedOn }
  }

  /** The contract as it was (see `certificateAsOf`), and when it was requested. */
  async contractAsOf(contractId: string, asOf: AsOf): Promise<{ view: ContractView | null; position: bigint | null; requestedOn: string | null }> {
    const known = await this.store.readTouching({ contractId }, asOf.known)
    const events = projectable(known.filter(effectiveOn(asOf.on)))
    const rows = new RowSet(false)
    for (const e of events) contractsProjection.apply(rows, e)
    const requested = known.find((e) => e.type === 'ContractRequested')
    const row = rows.get('contracts', [contractId])
    return { view: row ? contractView(row) : null, position: events[events.length - 1]?.globalPosition ?? null, requestedOn: requested ? (requested.data as { requestedOn: string }).requestedOn : null }
  }

  async contract(contractId: string): Promise<ContractView | null> {
    const ct = await this.schema('contracts')
    const [row] = await this.sql.unsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM ${ct}.contracts t WHERE contract_id = $1`, [contractId])
    return row ? contractView(JSON.parse(row.j)) : null
  }

  async contracts(filter: { providerId?: string | undefined; payerId?: string | undefined; municipality?: string | undefined; status?: string | undefined; certificateNumber?: string | undefined }, after: string | null, limit: number): Promise<Page<ContractView>> {
    const ct = await this.schema('contracts')
    const where: string[] = []
    const params: unknown[] = []
    const add = (sql: string, value: unknown) => {
      params.push(value)
      where.push(sql.replace('?', `$${params.length}`))
    }
    if (filter.providerId) add('provider_id = ?', filter.providerId)
    if (filter.payerId) add('payer_id = ?', filter.payerId)
    if (filter.municipality) add('municipality = ?', filter.municipality)
    if (filter.status) add('status = ?', filter.status)
    if (filter.certificateNumber) add('certificate_number = ?', filter.certificateNumber)
    if (after) add('contract_id > ?', after)
    params.push(limit + 1)
    const rows = await this.sql.unsafe<{ j: string }[]>(
      `SELECT row_to_json(t)::text AS j FROM ${ct}.contracts t ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY contract_id LIMIT $${params.length}`,
      params as never[],
    )
    const items = rows.slice(0, limit).map((r) => contractView(JSON.parse(r.j)))
    return { items, next: rows.length > limit ? items[items.length - 1]!.contractId : null }
  }

  /** Certificates, a page at a time; with `payerId` only those holding money of that payer's periods. */
  async certificates(municipality: string | null, after: string | null, limit: number, payerId: string | null = null): Promise<Page<Row>> {
    const rows = await this.sql<R[]>`
      SELECT c.certificate_number, c.municipality, c.type, c.status, c.birth_date::text AS birth_date, c.issued_on::text AS issued_on
      FROM reporting.certificates c
      WHERE (${municipality}::text IS NULL OR c.municipality = ${municipality}) AND (${after}::text IS NULL OR c.certificate_number > ${after})
        AND (${payerId}::text IS NULL OR EXISTS (
          SELECT 1 FROM reporting.certificate_balances b JOIN reporting.financing_periods p ON p.municipality = c.municipality AND p.period_id = b.period_id
          WHERE b.certificate_number = c.certificate_number AND p.payer_id = ${payerId}))
      ORDER BY c.certificate_number LIMIT ${limit + 1}`
    const items = rows.slice(0, limit).map((r) => ({
      certificateNumber: r.certificate_number, municipality: r.municipality, type: r.type, status: r.status, birthDate: r.birth_date, issuedOn: r.issued_on,
    }))
    return { items, next: rows.length > limit ? String(items[items.length - 1]!.certificateNumber) : null }
  }

  /**
   * The contracts of a municipality a month close must look at (requested, accepted, terminated, or with a
   * correction not yet invoiced), after bringing
   * the contracts projection up to everything committed, so no contract requested before the close is missed.
   */
  async openContractIds(municipality: string): Promise<string[]> {
    await new ProjectionRunner(this.sql, this.store, [contractsProjection]).catchUp()
    const ct = await this.schema('contracts')
    const rows = await this.sql.unsafe<{ contract_id: string }[]>(
      `SELECT contract_id FROM ${ct}.contracts WHERE municipality = $1 AND (status IN ('requested', 'accepted', 'terminated') OR pending_corrections > 0) ORDER BY contract_id`,
      [municipality],
    )
    return rows.map((r) => r.contract_id)
  }

  /** One invoice with its lines, for the printed document; null when there is none. */
  async invoice(invoiceId: string) {
    const pi = await this.schema('provider-invoices')
    const [row] = await this.sql.unsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM ${pi}.invoices t WHERE invoice_id = $1`, [invoiceId])
    if (!row) return null
    const lines = await this.sql.unsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM ${pi}.invoice_lines t WHERE invoice_id = $1 ORDER BY month, contract_id`, [invoiceId])
    const corrections = await this.sql.unsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM ${pi}.invoice_corrections t WHERE invoice_id = $1 ORDER BY correction_id`, [invoiceId])
    return { ...(JSON.parse(row.j) as R), lines: lines.map((l) => JSON.parse(l.j) as R), corrections: corrections.map((c) => JSON.parse(c.j) as R) } as R & { lines: R[]; corrections: R[] }
  }

  /** The invoice with this number, after bringing the invoices projection up to everything committed. */
  async invoiceIdByNumber(number: string): Promise<string | null> {
    await new ProjectionRunner(this.sql, this.store, [providerInvoicesProjection]).catchUp()
    const pi = await this.schema('provider-invoices')
    const [row] = await this.sql.unsafe<{ invoice_id: string }[]>(`SELECT invoice_id FROM ${pi}.invoices WHERE number = $1`, [number])
    return row?.invoice_id ?? null
  }

  /** Whether the ledger knows the municipality: a financing period or a certificate of it. */
  async municipalityExists(municipality: string): Promise<boolean> {
    const rows = await this.sql`
      SELECT 1 FROM reporting.financing_periods WHERE municipality = ${municipality}
      UNION ALL SELECT 1 FROM reporting.certificates WHERE municipality = ${municipality} LIMIT 1`
    return rows.length > 0
  }

  /** The day the municipality's first certificate was issued: before it, it has nothing to count. */
  async firstCertificateIssuedOn(municipality: string): Promise<string | null> {
    const [row] = await this.sql<{ d: string | null }[]>`SELECT min(issued_on)::text AS d FROM reporting.certificates WHERE municipality = ${municipality}`
    return row?.d ?? null
  }

  /** The payer of each financing period of a municipality (for tenant scope). */
  async periodPayers(municipality: string): Promise<Map<string, string>> {
    const rows = await this.sql<{ period_id: string; payer_id: string }[]>`SELECT period_id, payer_id FROM reporting.financing_periods WHERE municipality = ${municipality}`
    return new Map(rows.map((r) => [r.period_id, r.payer_id]))
  }

  async invoices(providerId: string, month: string | null, payerId: string | null) {
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
      invoiceId: r.invoice_id, kind: r.kind, number: r.number, payerId: r.payer_id, providerId: r.provider_id, municipality: r.municipality, month: r.month,
      issuedOn: r.issued_on, total: r.total, advanceDeducted: r.advance_deducted, amountDue: r.amount_due, amountPaid: r.amount_paid, outstanding: r.outstanding,
      status: r.status,
      lines: lines.filter((l) => l.invoice_id === r.invoice_id).map((l) => ({
        contractId: l.contract_id, month: l.month, certificateNumber: l.certificate_number, contractDate: l.contract_date, monthAmount: l.month_amount, completenessPercent: l.completeness_percent, lineAmount: l.line_amount,
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
    const [close] = await this.sql.unsafe<R[]>(`SELECT closed_on::text AS closed_on FROM ${pi}.month_closes WHERE municipality = $1 AND month = $2`, [municipality, month])
    const by = (date: string | null) => date !== null && (on === null || date <= on)
    const deadline = (kind: string) => (kind === 'final' ? `${nextMonth(month)}-10` : `${month}-10`)
    const byProvider = new Map<string, R>()
    for (const r of invoices) {
      if (!by(r.issued_on)) continue
      const key = `${r.payer_id}|${r.provider_id}`
      const p = byProvider.get(key) ?? {
        providerId: r.provider_id, payerId: r.payer_id, advanceInvoiced: 0, advancePaid: 0, advancePaidLate: 0, finalInvoiced: 0, advanceDeducted: 0, finalDue: 0,
        finalPaid: 0, finalPaidLate: 0, outstanding: 0, overdueOutstanding: 0, refundedToCertificates: 0,
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
      municipality, month, on, closedOn,
      status: closedOn !== null ? ('closed' as const) : ('not_closed' as const),
      providers,
      totals: Object.fromEntries(RECONCILIATION_FIGURES.map((f) => [f, total(f)])) as Record<ReconciliationFigure, number>,
    }
  }

  async coverage(municipality: string, on: string) {
    const rows = await this.sql<R[]>`SELECT dimension, key, children::int AS children, population, share::text AS share FROM reporting.coverage(${municipality}, ${on}::date)`
    const [stats] = await this.sql<R[]>`
      SELECT population, population_year, certificates_issued::int AS certificates_issued, certificate_share::text AS certificate_share,
             target_certificate_share::text AS target_certificate_share, financing_certificates::int AS financing_certificates,
             financing_share::text AS financing_share, target_financing_share::text AS target_financing_share,
             target_milestone::text AS target_milestone, children_enrolled::int AS children_enrolled, coverage_share::text AS coverage_share
      FROM reporting.municipality_statistics(${municipality}, ${on}::date)`
    const budget = await this.sql<R[]>`
      SELECT period_id, financing_cap, financing_certificates, nominal::text AS nominal, cap_times_nominal::text AS cap_times_nominal,
             sum_of_nominals::text AS sum_of_nominals, nominal_limit::text AS nominal_limit, converges
      FROM reporting.budget_convergence WHERE municipality = ${municipality} ORDER BY period_id`
    const group = (dimension: string) => rows.filter((r) => r.dimension === dimension).map((r) => ({ key: r.key, children: r.children, share: r.share }))
    return {
      municipality,
      date: on,
      population: stats!.population,
      populationYear: stats!.population_year,
      childrenEnrolled: stats!.children_enrolled,
      coverageShare: stats!.coverage_share,
      byDirection: group('direction'),
      byAge: group('age'),
      byCertificateType: group('certificate_type'),
      byProvider: group('provider'),
      certificates: {
        issued: stats!.certificates_issued,
        share: stats!.certificate_share,
        targetShare: stats!.target_certificate_share,
        financing: stats!.financing_certificates,
        financingShare: stats!.financing_share,
        targetFinancingShare: stats!.target_financing_share,
        targetMilestone: stats!.target_milestone,
      },
      budget: budget.map((b) => ({
        periodId: b.period_id, financingCap: b.financing_cap, financingCertificates: b.financing_certificates, nominal: b.nominal,
        capTimesNominal: b.cap_times_nominal, sumOfNominals: b.sum_of_nominals, nominalLimit: b.nominal_limit, converges: b.converges,
      })),
    }
  }
}
