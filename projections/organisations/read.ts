import { certificateBalances } from '../certificate-balances/index.ts'
import type { ProjectionReader } from '../read.ts'
import { ProjectionRunner } from '../runner.ts'
import type { R } from '../view.ts'

// What the API answers from the organisations read model: the registry's payers and providers, with the requisites
// in force on a date (or the latest recorded), and their names for answers that show ids.

export interface OrganisationListItem {
  id: string
  municipality: string
  name: string
  providerKind: string | null
  fullName: string | null
  shortName: string | null
  inn: string | null
  kpp: string | null
}

export class OrganisationReads {
  constructor(private readonly reader: ProjectionReader) {}

  private get sql() {
    return this.reader.sql
  }

  /** The organisations of a kind (of a municipality, or only one), with the requisites in force on `on` or the latest. */
  async list(kind: 'payer' | 'provider', filter: { municipality: string | null; only: string | null; on: string | null }): Promise<OrganisationListItem[]> {
    const { municipality, only, on } = filter
    const rows = await this.sql<R[]>`
      SELECT o.organisation_id, o.municipality, o.name, o.provider_kind, q.full_name, q.short_name, q.inn, q.kpp
      FROM reporting.organisations o
      LEFT JOIN reporting.organisation_requisites q ON q.kind = o.kind AND q.organisation_id = o.organisation_id
        AND (${on}::date IS NULL AND q.effective_until IS NULL
             OR ${on}::date IS NOT NULL AND coalesce(q.effective_on, '-infinity') <= ${on}::date AND coalesce(q.effective_until, 'infinity') > ${on}::date)
      WHERE o.kind = ${kind} AND (${municipality}::text IS NULL OR o.municipality = ${municipality}) AND (${only}::text IS NULL OR o.organisation_id = ${only})
      ORDER BY o.organisation_id`
    return rows.map((r) => ({
      id: r.organisation_id,
      municipality: r.municipality,
      name: r.name,
      providerKind: r.provider_kind,
      fullName: r.full_name,
      shortName: r.short_name,
      inn: r.inn,
      kpp: r.kpp,
    }))
  }

  /** The registered names of these organisations (an id the registry does not know is left out). */
  async names(kind: 'payer' | 'provider', ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map()
    const rows = await this.sql<R[]>`
      SELECT organisation_id, name FROM reporting.organisations WHERE kind = ${kind} AND organisation_id IN ${this.sql([...new Set(ids)])}`
    return new Map(rows.map((r) => [r.organisation_id as string, r.name as string]))
  }
}

export interface MunicipalityListItem {
  municipality: string
  periods: { periodId: string; startDate: string; endDate: string; payerId: string }[]
  providers: number
}

/** The municipalities the ledger knows (a period, a certificate or a registered organisation), with their periods. */
export async function listMunicipalities(reader: ProjectionReader, payerId: string | null): Promise<MunicipalityListItem[]> {
  const sql = reader.sql
  const rows = await sql<R[]>`
    SELECT m.municipality,
           coalesce((SELECT json_agg(json_build_object('periodId', p.period_id, 'startDate', p.start_date::text, 'endDate', p.end_date::text, 'payerId', p.payer_id)
                              ORDER BY p.start_date, p.period_id)
                     FROM reporting.financing_periods p WHERE p.municipality = m.municipality), '[]'::json) AS periods,
           (SELECT count(*) FROM reporting.organisations o WHERE o.kind = 'provider' AND o.municipality = m.municipality)::int AS providers
    FROM (SELECT municipality FROM reporting.financing_periods
          UNION SELECT municipality FROM reporting.organisations
          UNION SELECT DISTINCT municipality FROM reporting.certificates) m
    WHERE ${payerId}::text IS NULL OR EXISTS (SELECT 1 FROM reporting.financing_periods p WHERE p.municipality = m.municipality AND p.payer_id = ${payerId})
    ORDER BY m.municipality`
  return rows.map((r) => ({ municipality: r.municipality, periods: r.periods, providers: r.providers }))
}

/** The payers the ledger knows: the registered ones and those financing periods name before they are registered. */
export async function listPayers(reader: ProjectionReader, filter: { municipality: string | null; only: string | null; on: string | null }) {
  const registered = await reader.organisations.list('payer', { ...filter, municipality: null })
  const periods = await reader.sql<R[]>`
    SELECT payer_id, municipality, period_id FROM reporting.financing_periods
    WHERE ${filter.only}::text IS NULL OR payer_id = ${filter.only} ORDER BY payer_id, municipality, period_id`
  type Payer = Omit<OrganisationListItem, 'name'> & { name: string | null; registered: boolean; periods: { municipality: string; periodId: string }[] }
  const byId = new Map<string, Payer>(registered.map((p) => [p.id, { ...p, registered: true, periods: [] }]))
  for (const p of periods) {
    const entry: Payer = byId.get(p.payer_id) ?? {
      id: p.payer_id,
      municipality: p.municipality,
      name: null,
      providerKind: null,
      fullName: null,
      shortName: null,
      inn: null,
      kpp: null,
      registered: false,
      periods: [],
    }
    entry.periods.push({ municipality: p.municipality, periodId: p.period_id })
    byId.set(p.payer_id, entry)
  }
  const m = filter.municipality
  return [...byId.values()]
    .filter((p) => m === null || p.municipality === m || p.periods.some((x) => x.municipality === m))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ providerKind: _, ...p }) => p)
}

/** Whether a financing period names the payer, after bringing the periods' read model up to everything committed. */
export async function periodsNamePayer(reader: ProjectionReader, payerId: string): Promise<boolean> {
  await new ProjectionRunner(reader.sql, reader.store, [certificateBalances]).catchUp()
  const rows = await reader.sql`SELECT 1 FROM reporting.financing_periods WHERE payer_id = ${payerId} LIMIT 1`
  return rows.length > 0
}
