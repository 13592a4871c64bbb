import { streams } from '../app/streams.ts'
import { providerDecider } from '../domain/provider.ts'
import type { WebDependencies } from './context.ts'

// The few reads the pages need that the API does not answer as such (lists to choose from, an invoice's payments),
// from the same read models (the `reporting` views) the API reads.

/** The municipalities whose financing periods the caller sees (a payer: those it pays), with their periods. */
export async function municipalitiesOf(deps: WebDependencies, payerId: string | null) {
  const rows = await deps.db.sql<{ municipality: string; period_id: string; start_date: string; end_date: string; payer_id: string }[]>`
    SELECT municipality, period_id, start_date::text AS start_date, end_date::text AS end_date, payer_id
    FROM reporting.financing_periods WHERE (${payerId}::text IS NULL OR payer_id = ${payerId}) ORDER BY municipality, start_date`
  const by = new Map<string, (typeof rows)[number][]>()
  for (const r of rows) by.set(r.municipality, [...(by.get(r.municipality) ?? []), r])
  return by
}

/** The payments of an invoice, reversed ones included, in the order they were made. */
export async function paymentsOf(deps: WebDependencies, invoiceId: string) {
  return deps.db.sql<
    { payment_id: string; amount: string; paid_on: string; payment_order: string; overdue: boolean; reversed: boolean; reversed_on: string | null }[]
  >`SELECT payment_id, (amount * 100)::bigint::text AS amount, paid_on::text AS paid_on, payment_order, overdue, reversed, reversed_on::text AS reversed_on
    FROM reporting.provider_payments WHERE invoice_id = ${invoiceId} ORDER BY paid_on, payment_id`
}

/** Organisation names where the ledger has them (a provider's registered name); the id otherwise. */
export class Names {
  private readonly providers = new Map<string, Promise<string>>()
  private readonly payers = new Map<string, Promise<string>>()
  constructor(private readonly deps: WebDependencies) {}

  provider(id: string): Promise<string> {
    let name = this.providers.get(id)
    if (!name) {
      name = this.deps.ledger.aggregates.load(providerDecider, streams.provider(id)).then((p) => p.state.name || id)
      this.providers.set(id, name)
    }
    return name
  }

  /** A payer's registered name, its id while the registry does not know it (a period may name it first). */
  payer(id: string): Promise<string> {
    let name = this.payers.get(id)
    if (!name) {
      name = this.deps.reader.organisations.names('payer', [id]).then((names) => names.get(id) ?? id)
      this.payers.set(id, name)
    }
    return name
  }
}

/** The months from one date's month to another's, inclusive: YYYY-MM. */
export function monthsBetween(start: string, end: string): string[] {
  const out: string[] = []
  let [y, m] = start.slice(0, 7).split('-').map(Number) as [number, number]
  const last = end.slice(0, 7)
  for (let i = 0; i < 240; i++) {
    const month = `${y}-${String(m).padStart(2, '0')}`
    if (month > last) break
    out.push(month)
    if (m === 12) {
      y += 1
      m = 1
    } else m += 1
  }
  return out
}
