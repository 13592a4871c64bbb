import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RecordedEvent } from '../../src/store/port.ts'
import { CONTRACT_STATUS_AFTER } from '../contract-status.ts'
import type { Projection, Row, RowRef, Rows } from '../types.ts'

// Certificate balances (see tables.sql and projections/README.md). Every kopeck column follows the events of
// the certificate stream; contract statuses come from the contract stream's events, which name the certificate.

// Event data read by field name; the schemas in events/ guarantee the fields.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type D = Record<string, any>
const dir = path.dirname(fileURLToPath(import.meta.url))

const balanceKey = (d: D) => [d.certificateNumber, d.periodId]

function touches(e: RecordedEvent): RowRef[] {
  const d = e.data as D
  switch (e.type) {
    case 'CertificateIssued':
    case 'CertificateActivated':
    case 'CertificateUnfrozen':
      return [{ table: 'certificates', key: [d.certificateNumber] }]
    case 'CertificateTypeChanged':
    case 'CertificateFrozen':
      return [{ table: 'certificates', key: [d.certificateNumber] }, { table: 'certificate_balances', key: balanceKey(d) }]
    case 'NominalCredited':
      return [{ table: 'certificate_balances', key: balanceKey(d) }]
    case 'CertificateFundsReserved':
    case 'CertificateReservationReleased':
    case 'CertificateFundsWrittenOff':
      return [{ table: 'certificate_balances', key: balanceKey(d) }, { table: 'certificate_contracts', key: [d.certificateNumber, d.contractId] }]
    case 'ShortfallRefunded':
      return [{ table: 'certificate_balances', key: balanceKey(d) }]
    case 'CertificateWriteOffReturned':
      return [{ table: 'certificate_balances', key: balanceKey(d) }, { table: 'certificate_contracts', key: [d.certificateNumber, d.contractId] }]
    case 'ContractRequested':
    case 'ContractAccepted':
    case 'ContractRefused':
    case 'ContractTerminated':
    case 'ContractClosed':
      return [{ table: 'certificate_contracts', key: [d.certificateNumber, d.contractId] }]
    case 'FinancingPeriodOpened':
    case 'FinancingPlaceTaken':
    case 'FinancingPlaceReleased':
      return [{ table: 'financing_periods', key: [d.municipality, d.periodId] }]
    case 'CertificateQueuedForFinancing':
    case 'CertificatePromotedFromQueue':
    case 'CertificateLeftFinancingQueue':
      return [{ table: 'financing_periods', key: [d.municipality, d.periodId] }, { table: 'financing_queue', key: [d.municipality, d.periodId, d.certificateNumber] }]
    default:
      return []
  }
}

function balance(rows: Rows, d: D): Row {
  return rows.get('certificate_balances', balanceKey(d)) ?? { certificate_number: d.certificateNumber, period_id: d.periodId, nominal: 0, reserved: 0, spent: 0, balance: 0, last_position: 0 }
}

function putBalance(rows: Rows, d: D, b: Row, position: number, change: { nominal?: number; reserved?: number; spent?: number }) {
  const nominal = (b.nominal as number) + (change.nominal ?? 0)
  const reserved = (b.reserved as number) + (change.reserved ?? 0)
  const spent = (b.spent as number) + (change.spent ?? 0)
  rows.put('certificate_balances', balanceKey(d), { ...b, nominal, reserved, spent, balance: nominal - reserved - spent, last_position: position })
}

function updateCertificate(rows: Rows, d: D, position: number, change: Row) {
  const c = rows.get('certificates', [d.certificateNumber])
  if (c) rows.put('certificates', [d.certificateNumber], { ...c, ...change, last_position: position })
}

function contract(rows: Rows, d: D): Row {
  return rows.get('certificate_contracts', [d.certificateNumber, d.contractId]) ?? { certificate_number: d.certificateNumber, contract_id: d.contractId, period_id: null, status: null, reserved: 0 }
}

function period(rows: Rows, d: D, position: number, change: (p: Row) => Row) {
  const p = rows.get('financing_periods', [d.municipality, d.periodId])
  if (p) rows.put('financing_periods', [d.municipality, d.periodId], { ...change(p), last_position: position })
}

function apply(rows: Rows, e: RecordedEvent): void {
  const d = e.data as D
  const position = Number(e.globalPosition)
  switch (e.type) {
    case 'CertificateIssued':
      rows.put('certificates', [d.certificateNumber], {
        certificate_number: d.certificateNumber, municipality: d.municipality, birth_date: d.birthDate, issued_on: d.issuedOn,
        requested_type: d.requestedType, type: 'accounting', active: false, activated_on: null, frozen_in: null, last_position: position,
      })
      return
    case 'CertificateActivated':
      return updateCertificate(rows, d, position, { active: true, activated_on: d.activatedOn })
    case 'CertificateUnfrozen':
      return updateCertificate(rows, d, position, { frozen_in: null })
    case 'CertificateTypeChanged':
      updateCertificate(rows, d, position, { type: d.to })
      return putBalance(rows, d, balance(rows, d), position, { nominal: -d.nominalWithdrawn })
    case 'CertificateFrozen':
      updateCertificate(rows, d, position, { frozen_in: d.periodId })
      return putBalance(rows, d, balance(rows, d), position, { nominal: -d.balanceWithdrawn })
    case 'NominalCredited':
      return putBalance(rows, d, balance(rows, d), position, { nominal: d.amount })
    case 'CertificateFundsReserved':
    case 'CertificateReservationReleased': {
      const sign = e.type === 'CertificateFundsReserved' ? 1 : -1
      putBalance(rows, d, balance(rows, d), position, { reserved: sign * d.amount })
      const c = contract(rows, d)
      rows.put('certificate_contracts', [d.certificateNumber, d.contractId], { ...c, period_id: d.periodId, reserved: (c.reserved as number) + sign * d.amount })
      return
    }
    case 'CertificateFundsWrittenOff': {
      putBalance(rows, d, balance(rows, d), position, { reserved: -d.amount, spent: d.amount })
      const c = contract(rows, d)
      rows.put('certificate_contracts', [d.certificateNumber, d.contractId], { ...c, reserved: (c.reserved as number) - d.amount })
      return
    }
    case 'ShortfallRefunded':
      return putBalance(rows, d, balance(rows, d), position, { spent: -d.amount })
    case 'CertificateWriteOffReturned':
      // A month written off in advance of a termination: back to the balance, as if never spent.
      return putBalance(rows, d, balance(rows, d), position, { spent: -d.amount })
    case 'ContractRequested':
      rows.put('certificate_contracts', [d.certificateNumber, d.contractId], { ...contract(rows, d), period_id: d.periodId, status: 'requested' })
      return
    case 'ContractAccepted':
    case 'ContractRefused':
    case 'ContractTerminated':
    case 'ContractClosed': {
      const status = CONTRACT_STATUS_AFTER[e.type]
      rows.put('certificate_contracts', [d.certificateNumber, d.contractId], { ...contract(rows, d), status })
      return
    }
    case 'FinancingPeriodOpened':
      rows.put('financing_periods', [d.municipality, d.periodId], {
        municipality: d.municipality, period_id: d.periodId, start_date: d.startDate, end_date: d.endDate, nominal: d.nominal,
        financing_cap: d.financingCap, nominal_limit: d.nominalLimit, payer_id: d.payerId, places_taken: 0, queue_length: 0, last_position: position,
      })
      return
    case 'FinancingPlaceTaken':
      return period(rows, d, position, (p) => ({ ...p, places_taken: (p.places_taken as number) + 1 }))
    case 'FinancingPlaceReleased':
      return period(rows, d, position, (p) => ({ ...p, places_taken: (p.places_taken as number) - 1 }))
    case 'CertificateQueuedForFinancing':
      rows.put('financing_queue', [d.municipality, d.periodId, d.certificateNumber], {
        municipality: d.municipality, period_id: d.periodId, certificate_number: d.certificateNumber, queued_on: d.queuedOn, queued_at_position: position,
      })
      return period(rows, d, position, (p) => ({ ...p, queue_length: (p.queue_length as number) + 1 }))
    case 'CertificatePromotedFromQueue':
    case 'CertificateLeftFinancingQueue':
      rows.delete('financing_queue', [d.municipality, d.periodId, d.certificateNumber])
      return period(rows, d, position, (p) => ({ ...p, queue_length: (p.queue_length as number) - 1 }))
  }
}

export const certificateBalances: Projection = {
  name: 'certificate-balances',
  version: 2,
  dir,
  tables: ['certificates', 'certificate_balances', 'certificate_contracts', 'financing_periods', 'financing_queue'],
  touches,
  apply,
}
