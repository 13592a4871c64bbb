import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CONTRACT_STATUS_AFTER } from '../contract-status.ts'
import type { ProjectedEvent, Projection, RowRef, Rows } from '../types.ts'

// Coverage statistics (see tables.sql, views.sql and projections/README.md).

type InPeriod = { certificateNumber: string; periodId: string }

function touches(e: ProjectedEvent): RowRef[] {
  const position = Number(e.globalPosition)
  switch (e.type) {
    case 'CertificateIssued':
      return [{ table: 'children', key: [e.data.certificateNumber] }]
    case 'CertificateTypeChanged':
      return [
        { table: 'children', key: [e.data.certificateNumber] },
        { table: 'financing', key: [e.data.certificateNumber, e.data.periodId] },
        { table: 'type_changes', key: [e.data.certificateNumber, position] },
        { table: 'financing_changes', key: [e.data.certificateNumber, e.data.periodId, position] },
      ]
    case 'NominalCredited':
    case 'CertificateFrozen':
      return [
        { table: 'financing', key: [e.data.certificateNumber, e.data.periodId] },
        { table: 'children', key: [e.data.certificateNumber] },
        { table: 'financing_changes', key: [e.data.certificateNumber, e.data.periodId, position] },
      ]
    case 'ContractRequested':
    case 'ContractAccepted':
    case 'ContractRefused':
    case 'ContractTerminated':
    case 'ContractClosed':
      return [{ table: 'enrolments', key: [e.data.contractId] }]
    case 'PopulationRecorded':
      return [{ table: 'population', key: [e.data.municipality, e.data.year] }]
    case 'FinancingPeriodOpened':
      return [{ table: 'periods', key: [e.data.municipality, e.data.periodId] }]
    default:
      return []
  }
}

/** The nominal a certificate holds for a period, now and (in `financing_changes`) from which business date on. */
function financing(rows: Rows, d: InPeriod, change: number, position: number, on: string) {
  const child = rows.get('children', [d.certificateNumber])
  const row = rows.get('financing', [d.certificateNumber, d.periodId])
  const nominal = ((row?.nominal as number | undefined) ?? 0) + change
  const municipality = child?.municipality ?? row?.municipality ?? ''
  rows.put('financing', [d.certificateNumber, d.periodId], { certificate_number: d.certificateNumber, period_id: d.periodId, municipality, nominal })
  rows.put('financing_changes', [d.certificateNumber, d.periodId, position], {
    certificate_number: d.certificateNumber,
    period_id: d.periodId,
    position,
    municipality,
    effective_on: on,
    change,
  })
}

function apply(rows: Rows, e: ProjectedEvent): void {
  const position = Number(e.globalPosition)
  switch (e.type) {
    case 'CertificateIssued': {
      const d = e.data
      rows.put('children', [d.certificateNumber], {
        certificate_number: d.certificateNumber,
        municipality: d.municipality,
        birth_date: d.birthDate,
        issued_on: d.issuedOn,
        type: 'accounting',
        last_position: position,
      })
      return
    }
    case 'CertificateTypeChanged': {
      const d = e.data
      const c = rows.get('children', [d.certificateNumber])
      if (c) rows.put('children', [d.certificateNumber], { ...c, type: d.to, last_position: position })
      rows.put('type_changes', [d.certificateNumber, position], { certificate_number: d.certificateNumber, position, changed_on: d.changedOn, type: d.to })
      return financing(rows, d, -d.nominalWithdrawn, position, d.changedOn)
    }
    case 'NominalCredited':
      return financing(rows, e.data, e.data.amount, position, e.data.creditedOn)
    case 'CertificateFrozen':
      return financing(rows, e.data, -e.data.balanceWithdrawn, position, e.data.frozenOn)
    case 'ContractRequested': {
      const d = e.data
      rows.put('enrolments', [d.contractId], {
        contract_id: d.contractId,
        certificate_number: d.certificateNumber,
        municipality: d.municipality,
        provider_id: d.providerId,
        programme_id: d.programmeId,
        direction: d.direction,
        kind: d.kind,
        start_date: d.startDate,
        end_date: d.endDate,
        accepted_on: null,
        status: 'requested',
        last_position: position,
      })
      return
    }
    case 'ContractAccepted':
    case 'ContractRefused':
    case 'ContractTerminated':
    case 'ContractClosed': {
      const en = rows.get('enrolments', [e.data.contractId])
      if (!en) return
      const change = e.type === 'ContractTerminated' ? { end_date: e.data.closesOn } : e.type === 'ContractAccepted' ? { accepted_on: e.data.acceptedOn } : {}
      rows.put('enrolments', [e.data.contractId], { ...en, status: CONTRACT_STATUS_AFTER[e.type], ...change, last_position: position })
      return
    }
    case 'PopulationRecorded':
      rows.put('population', [e.data.municipality, e.data.year], { municipality: e.data.municipality, year: e.data.year, children: e.data.children5to18 })
      return
    case 'FinancingPeriodOpened': {
      const d = e.data
      rows.put('periods', [d.municipality, d.periodId], {
        municipality: d.municipality,
        period_id: d.periodId,
        start_date: d.startDate,
        end_date: d.endDate,
        nominal: d.nominal,
        financing_cap: d.financingCap,
        nominal_limit: d.nominalLimit,
      })
      return
    }
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
