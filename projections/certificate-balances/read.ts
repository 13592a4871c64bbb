import type { AsOf } from '../../src/audit/as-of.ts'
import { effectiveOn } from '../../src/audit/as-of.ts'
import { contracts as contractsProjection } from '../contracts/index.ts'
import { type ContractView, contractView } from '../contracts/read.ts'
import { projectable } from '../postgres.ts'
import type { ProjectionReader } from '../read.ts'
import { RowSet } from '../rows.ts'
import type { Row } from '../types.ts'
import { money, type Page, type R } from '../view.ts'
import { certificateBalances } from './index.ts'

// What the API and the CLI answer from the certificate-balances read model (with the contracts one for a
// certificate's contracts), and the same answers as of an earlier moment, folded from the log with the projections'
// own functions and shown by the same view.

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

/** The certificate as the API shows it, from rows of the certificate-balances and contracts projections. */
function certificateView(certificate: R, balances: R[], links: R[], contracts: R[]): CertificateView {
  const status = certificate.frozen_in ? 'frozen' : certificate.active ? 'active' : 'issued'
  const count = (period: string, statuses: string[]) => links.filter((l) => l.period_id === period && statuses.includes(l.status)).length
  const byId = [...contracts].sort((a, b) =>
    a.requested_on === b.requested_on ? (a.contract_id < b.contract_id ? -1 : 1) : a.requested_on < b.requested_on ? -1 : 1,
  )
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
        periodId: b.period_id,
        nominal: money(b.nominal),
        reserved: money(b.reserved),
        spent: money(b.spent),
        balance: money(b.balance),
        runningContracts: count(b.period_id, ['accepted', 'terminated']),
        pendingContracts: count(b.period_id, ['requested']),
      })),
    contracts: byId.map(contractView),
    lastPosition: String([certificate, ...balances].reduce((m, r) => Math.max(m, Number(r.last_position)), 0)),
  }
}

export class CertificateReads {
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

  async view(number: string): Promise<CertificateView | null> {
    const cb = await this.schema('certificate-balances')
    const ct = await this.schema('contracts')
    const [certificate] = await this.sql.unsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM ${cb}.certificates t WHERE certificate_number = $1`, [
      number,
    ])
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
  async asOf(number: string, asOf: AsOf): Promise<{ view: CertificateView | null; position: bigint | null; issuedOn: string | null }> {
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

  /** Certificates, a page at a time; with `payerId` only those holding money of that payer's periods. */
  async page(municipality: string | null, after: string | null, limit: number, payerId: string | null = null): Promise<Page<Row>> {
    const rows = await this.sql<R[]>`
      SELECT c.certificate_number, c.municipality, c.type, c.status, c.birth_date::text AS birth_date, c.issued_on::text AS issued_on
      FROM reporting.certificates c
      WHERE (${municipality}::text IS NULL OR c.municipality = ${municipality}) AND (${after}::text IS NULL OR c.certificate_number > ${after})
        AND (${payerId}::text IS NULL OR EXISTS (
          SELECT 1 FROM reporting.certificate_balances b JOIN reporting.financing_periods p ON p.municipality = c.municipality AND p.period_id = b.period_id
          WHERE b.certificate_number = c.certificate_number AND p.payer_id = ${payerId}))
      ORDER BY c.certificate_number LIMIT ${limit + 1}`
    const items = rows.slice(0, limit).map((r) => ({
      certificateNumber: r.certificate_number,
      municipality: r.municipality,
      type: r.type,
      status: r.status,
      birthDate: r.birth_date,
      issuedOn: r.issued_on,
    }))
    return { items, next: rows.length > limit ? String(items[items.length - 1]!.certificateNumber) : null }
  }

  /** The payer of each financing period of a municipality (for tenant scope). */
  async periodPayers(municipality: string): Promise<Map<string, string>> {
    const rows = await this.sql<
      { period_id: string; payer_id: string }[]
    >`SELECT period_id, payer_id FROM reporting.financing_periods WHERE municipality = ${municipality}`
    return new Map(rows.map((r) => [r.period_id, r.payer_id]))
  }

  /** Whether the ledger knows the municipality: a financing period or a certificate of it. */
  async municipalityExists(municipality: string): Promise<boolean> {
    const rows = await this.sql`
      SELECT 1 FROM reporting.financing_periods WHERE municipality = ${municipality}
      UNION ALL SELECT 1 FROM reporting.certificates WHERE municipality = ${municipality} LIMIT 1`
    return rows.length > 0
  }

  /** The day the municipality's first certificate was issued: before it, it has nothing to count. */
  async firstIssuedOn(municipality: string): Promise<string | null> {
    const [row] = await this.sql<{ d: string | null }[]>`SELECT min(issued_on)::text AS d FROM reporting.certificates WHERE municipality = ${municipality}`
    return row?.d ?? null
  }
}
