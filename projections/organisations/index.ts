import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ProjectedEvent, Projection, Row, RowRef, Rows } from '../types.ts'

// The registry's organisations (see tables.sql and projections/README.md): payers and providers with their names, and
// every set of requisites recorded with the day it takes effect. Lists and names read it; a document of a date reads
// the requisites through `organisationLookup`, which folds the organisation's own stream.

const dir = path.dirname(fileURLToPath(import.meta.url))

type Requisites = Partial<Record<string, string>>

const COLUMNS: Record<string, string> = {
  fullName: 'full_name',
  shortName: 'short_name',
  inn: 'inn',
  kpp: 'kpp',
  ogrn: 'ogrn',
  legalAddress: 'legal_address',
  settlementAccount: 'settlement_account',
  bankName: 'bank_name',
  bik: 'bik',
  correspondentAccount: 'correspondent_account',
  headName: 'head_name',
  headTitle: 'head_title',
}

function organisationOf(e: ProjectedEvent): { kind: 'payer' | 'provider'; id: string } | null {
  switch (e.type) {
    case 'PayerRegistered':
      return { kind: 'payer', id: e.data.payerId }
    case 'ProviderRegistered':
      return { kind: 'provider', id: e.data.providerId }
    case 'OrganisationRequisitesChanged':
      return { kind: e.data.kind, id: e.data.organisationId }
    default:
      return null
  }
}

function touches(e: ProjectedEvent): RowRef[] {
  const o = organisationOf(e)
  if (!o) return []
  return [
    { table: 'organisations', key: [o.kind, o.id] },
    { table: 'organisation_requisites', key: [o.kind, o.id, Number(e.globalPosition)] },
  ]
}

function requisitesRow(kind: string, id: string, position: number, effectiveOn: string | null, r: Requisites | undefined): Row {
  const row: Row = { kind, organisation_id: id, recorded_position: position, effective_on: effectiveOn }
  for (const [field, column] of Object.entries(COLUMNS)) row[column] = r?.[field] ?? null
  return row
}

function apply(rows: Rows, e: ProjectedEvent): void {
  const o = organisationOf(e)
  if (!o) return
  const position = Number(e.globalPosition)
  const key = [o.kind, o.id, position]
  if (e.type === 'OrganisationRequisitesChanged') {
    rows.put('organisation_requisites', key, requisitesRow(o.kind, o.id, position, e.data.effectiveOn, e.data.requisites))
    const organisation = rows.get('organisations', [o.kind, o.id])
    if (organisation) rows.put('organisations', [o.kind, o.id], { ...organisation, last_position: position })
    return
  }
  if (e.type !== 'PayerRegistered' && e.type !== 'ProviderRegistered') return
  rows.put('organisations', [o.kind, o.id], {
    kind: o.kind,
    organisation_id: o.id,
    municipality: e.data.municipality,
    name: e.data.name,
    provider_kind: e.type === 'ProviderRegistered' ? e.data.kind : null,
    last_position: position,
  })
  rows.put('organisation_requisites', key, requisitesRow(o.kind, o.id, position, null, e.data.requisites))
}

export const organisations: Projection = {
  name: 'organisations',
  version: 1,
  dir,
  tables: ['organisations', 'organisation_requisites'],
  touches,
  apply,
}
