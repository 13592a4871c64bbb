import type { AsOf } from '../../src/audit/as-of.ts'
import { effectiveOn } from '../../src/audit/as-of.ts'
import { projectable } from '../postgres.ts'
import type { ProjectionReader } from '../read.ts'
import { RowSet } from '../rows.ts'
import { ProjectionRunner } from '../runner.ts'
import { money, type Page, type R } from '../view.ts'
import { contracts as contractsProjection } from './index.ts'

// What the API and the CLI answer from the contracts read model, and a contract as of an earlier moment.

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
    contractId: c.contract_id,
    certificateNumber: c.certificate_number,
    groupId: c.group_id,
    programmeId: c.programme_id,
    providerId: c.provider_id,
    payerId: c.payer_id,
    municipality: c.municipality,
    periodId: c.period_id,
    kind: c.kind,
    direction: c.direction,
    status: c.status,
    requestedOn: c.requested_on,
    startDate: c.start_date,
    endDate: c.end_date,
    acceptedOn: c.accepted_on,
    refusedOn: c.refused_on,
    terminatedOn: c.terminated_on,
    lastMonth: c.last_month,
    closesOn: c.closes_on,
    closedOn: c.closed_on,
    days: c.quote.days,
    months: c.quote.months,
    fullPrice: money(c.quote.all),
    normativeCost: money(c.quote.normative),
    certificatePart: money(c.certificate_part),
    parentPart: money(c.parent_part),
    released: money(c.released),
    writtenOff: money(c.written_off),
    schedule: (c.schedule as R[]).map((s) => ({ month: s.month, certificate: money(s.certificate), parent: money(s.parent) })),
  }
}

export class ContractReads {
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

  async view(contractId: string): Promise<ContractView | null> {
    const ct = await this.schema('contracts')
    const [row] = await this.sql.unsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM ${ct}.contracts t WHERE contract_id = $1`, [contractId])
    return row ? contractView(JSON.parse(row.j)) : null
  }

  /** The contract as it was (see `certificateAsOf`), and when it was requested. */
  async asOf(contractId: string, asOf: AsOf): Promise<{ view: ContractView | null; position: bigint | null; requestedOn: string | null }> {
    const known = await this.store.readTouching({ contractId }, asOf.known)
    const events = projectable(known.filter(effectiveOn(asOf.on)))
    const rows = new RowSet(false)
    for (const e of events) contractsProjection.apply(rows, e)
    const requested = known.find((e) => e.type === 'ContractRequested')
    const row = rows.get('contracts', [contractId])
    return {
      view: row ? contractView(row) : null,
      position: events[events.length - 1]?.globalPosition ?? null,
      requestedOn: requested ? (requested.data as { requestedOn: string }).requestedOn : null,
    }
  }

  async page(
    filter: {
      providerId?: string | undefined
      payerId?: string | undefined
      municipality?: string | undefined
      status?: string | undefined
      certificateNumber?: string | undefined
    },
    after: string | null,
    limit: number,
  ): Promise<Page<ContractView>> {
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

  /**
   * The contracts of a municipality a month close must look at (requested, accepted, terminated, or with a
   * correction not yet invoiced), after bringing
   * the contracts projection up to everything committed, so no contract requested before the close is missed.
   */
  async openIds(municipality: string): Promise<string[]> {
    await new ProjectionRunner(this.sql, this.store, [contractsProjection]).catchUp()
    const ct = await this.schema('contracts')
    const rows = await this.sql.unsafe<{ contract_id: string }[]>(
      `SELECT contract_id FROM ${ct}.contracts WHERE municipality = $1 AND (status IN ('requested', 'accepted', 'terminated') OR pending_corrections > 0) ORDER BY contract_id`,
      [municipality],
    )
    return rows.map((r) => r.contract_id)
  }
}
