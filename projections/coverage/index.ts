import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RecordedEvent } from '../../src/store/port.ts'
import { CONTRACT_STATUS_AFTER } from '../contract-status.ts'
import type { Projection, RowRef, Rows } from '../types.ts'

// Coverage statistics (see tables.sql, views.sql and projections/README.md).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event data read by field name, checked by events/
type D = Record<string, any>

function touches(e: RecordedEvent): RowRef[] {
  const d = e.data as D
  switch (e.type) {
    case 'CertificateIssued':
      return [{ table: 'children', key: [d.certificateNumber] }]
    case 'CertificateTypeChanged':
      return [
        { table: 'children', key: [d.certificateNumber] },
        { table: 'financing', key: [d.certificateNumber, d.periodId] },
        { table: 'type_changes', key: [d.certificateNumber, Number(e.globalPosition)] },
        { table: 'financing_changes', key: [d.certificateNumber, d.periodId, Number(e.globalPosition)] },
      ]
    case 'NominalCredited':
    case 'CertificateFrozen':
      return [
        { table: 'financing', key: [d.certificateNumber, d.periodId] },
        { table: 'children', key: [d.certificateNumber] },
        { table: 'financing_changes', key: [d.certificateNumber, d.periodId, Number(e.globalPosition)] },
      ]
    case 'ContractRequested':
    case 'ContractAccepted':
    case 'ContractRefused':
    case 'ContractTerminated':
    case 'ContractClosed':
      return [{ table: 'enrolments', key: [d.contractId] }]
    case 'PopulationRecorded':
      return [{ table: 'population', key: [d.municipality, d.year] }]
    case 'FinancingPeriodOpened':
      return [{ table: 'periods', key: [d.municipality, d.periodId] }]
    default:
      return []
  }
}

/** The nominal a certificate holds for a period, now and (in `financing_changes`) from which business date on. */
function financing(rows: Rows, d: D, change: number, position: number, on: string) {
  const child = rows.get('children', [d.certificateNumber])
  const row = rows.get('financing', [d.certificateNumber, d.periodId])
  const nominal = ((row?.nominal as number | undefined) ?? 0) + change
  const municipality = child?.municipality ?? row?.municipality ?? ''
  rows.put('financing', [d.certificateNumber, d.periodId], { certificate_number: d.certificateNumber, period_id: d.periodId, municipality, nominal })
  rows.put('financing_changes', [d.certificateNumber, d.periodId, position], {
    certificate_number: d.certificateNumber, period_id: d.periodId, position, municipality, effective_on: on, change,
  })
}

function apply(rows: Rows, e: RecordedEvent): void {
  const d = e.data as D
  const position = Number(e.globalPosition)
  switch (e.type) {
    case 'CertificateIssued':
      rows.put('children', [d.certificateNumber], {
        certificate_number: d.certificateNumber, municipality: d.municipality, birth_date: d.birthDate, issued_on: d.issuedOn, type: 'accounting', last_position: position,
      })
      return
    case 'CertificateTypeChanged': {
      const c = rows.get('children', [d.certificateNumber])
      if (c) rows.put('children', [d.certificateNumber], { ...c, type: d.to, last_position: position })
      rows.put('type_changes', [d.certificateNumber, position], { certificate_number: d.certificateNumber, position, changed_on: d.changedOn, type: d.to })
      return financing(rows, d, -d.nominalWithdrawn, position, d.changedOn)
    }
    case 'NominalCredited':
      return financing(rows, d, d.amount, position, d.creditedOn)
    case 'CertificateFrozen':
      return financing(rows, d, -d.balanceWithdrawn, position, d.frozenOn)
    case 'ContractRequested':
      rows.put('enrolments', [d.contractId], {
        contract_id: d.contractId, certificate_number: d.certificateNumber, municipality: d.municipality, provider_id: d.providerId, programme_id: d.programmeId,
        direction: d.direction, kind: d.kind, start_date: d.startDate, end_date: d.endDate, accepted_on: null, status: 'requested', last_position: position,
      })
      return
    case 'ContractAccepted':
    case 'ContractRefused':
    case 'ContractTerminated':
    case 'ContractClosed': {
      const en = rows.get('enrolments', [d.contractId])
      if (!en) return
      const status = CONTRACT_STATUS_AFTER[e.type]
      rows.put('enrolments', [d.contractId], {
        ...en, status, ...(e.type === 'ContractTerminated' ? { end_date: d.closesOn } : {}), ...(e.type === 'ContractAccepted' ? { accepted_on: d.acceptedOn } : {}), last_position: position,
      })
      return
    }
    case 'PopulationRecorded':
      rows.put('population', [d.municipality, d.year], { municipality: d.municipality, year: d.year, children: d.children5to18 })
      return
    case 'FinancingPeriodOpened':
      rows.put('periods', [d.municipality, d.periodId], {
        municipality: d.municipality, period_id: d.periodId, start_date: d.startDate, end_date: d.endDate, nominal: d.nominal, financing_cap: d.financingCap, nominal_limit: d.nominalLimit,
      })
      return
  }
}

export const coverage: Projection = {
  name: 'coverage',
  version: 2,
  dir: path.dirname(fileURLToPath(import.meta.url)),
  tables: ['children', 'enrolments', 'population', 'periods', 'financing', 'type_changes', 'financing_changes'],
  touches,
  apply,
}
