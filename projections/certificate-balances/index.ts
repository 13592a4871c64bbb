import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { moneyMoveOf } from '../../src/domain/certificate-money.ts'
import { CONTRACT_STATUS_AFTER } from '../contract-status.ts'
import type { ProjectedEvent, Projection, Row, RowRef, Rows } from '../types.ts'

// Certificate balances (see tables.sql and projections/README.md). Every kopeck column follows the events of
// the certificate stream; contract statuses come from the contract stream's events, which name the certificate.

const dir = path.dirname(fileURLToPath(import.meta.url))

type OfCertificate = { certificateNumber: string }
type InPeriod = OfCertificate & { periodId: string }
type OfContract = OfCertificate & { contractId: string }
type OfPeriod = { municipality: string; periodId: string }

const balanceKey = (d: InPeriod) => [d.certificateNumber, d.periodId]
const certificateRef = (d: OfCertificate): RowRef => ({ table: 'certificates', key: [d.certificateNumber] })
const balanceRef = (d: InPeriod): RowRef => ({ table: 'certificate_balances', key: balanceKey(d) })
const contractRef = (d: OfContract): RowRef => ({ table: 'certificate_contracts', key: [d.certificateNumber, d.contractId] })
const periodRef = (d: OfPeriod): RowRef => ({ table: 'financing_periods', key: [d.municipality, d.periodId] })

function touches(e: ProjectedEvent): RowRef[] {
  switch (e.type) {
    case 'CertificateIssued':
    case 'CertificateActivated':
    case 'CertificateUnfrozen':
      return [certificateRef(e.data)]
    case 'CertificateTypeChanged':
    case 'CertificateFrozen':
      return [certificateRef(e.data), balanceRef(e.data)]
    case 'NominalCredited':
    case 'ShortfallRefunded':
      return [balanceRef(e.data)]
    case 'CertificateFundsReserved':
    case 'CertificateReservationReleased':
    case 'CertificateFundsWrittenOff':
    case 'CertificateWriteOffReturned':
      return [balanceRef(e.data), contractRef(e.data)]
    case 'ContractRequested':
    case 'ContractAccepted':
    case 'ContractRefused':
    case 'ContractTerminated':
    case 'ContractClosed':
      return [contractRef(e.data)]
    case 'FinancingPeriodOpened':
    case 'FinancingPlaceTaken':
    case 'FinancingPlaceReleased':
      return [periodRef(e.data)]
    case 'CertificateQueuedForFinancing':
    case 'CertificatePromotedFromQueue':
    case 'CertificateLeftFinancingQueue':
      return [periodRef(e.data), { table: 'financing_queue', key: [e.data.municipality, e.data.periodId, e.data.certificateNumber] }]
    default:
      return []
  }
}

function balance(rows: Rows, d: InPeriod): Row {
  return (
    rows.get('certificate_balances', balanceKey(d)) ?? {
      certificate_number: d.certificateNumber,
      period_id: d.periodId,
      nominal: 0,
      reserved: 0,
      spent: 0,
      balance: 0,
      last_position: 0,
    }
  )
}

function putBalance(rows: Rows, d: InPeriod, position: number, change: { nominal?: number; reserved?: number; spent?: number }) {
  const b = balance(rows, d)
  const nominal = (b.nominal as number) + (change.nominal ?? 0)
  const reserved = (b.reserved as number) + (change.reserved ?? 0)
  const spent = (b.spent as number) + (change.spent ?? 0)
  rows.put('certificate_balances', balanceKey(d), { ...b, nominal, reserved, spent, balance: nominal - reserved - spent, last_position: position })
}

function updateCertificate(rows: Rows, d: OfCertificate, position: number, change: Row) {
  const c = rows.get('certificates', [d.certificateNumber])
  if (c) rows.put('certificates', [d.certificateNumber], { ...c, ...change, last_position: position })
}

function contract(rows: Rows, d: OfContract): Row {
  return (
    rows.get('certificate_contracts', [d.certificateNumber, d.contractId]) ?? {
      certificate_number: d.certificateNumber,
      contract_id: d.contractId,
      period_id: null,
      status: null,
      reserved: 0,
    }
  )
}

/** What the certificate still holds for a contract moves by `change` (a reservation, a release, a write-off). */
function putContractReserved(rows: Rows, d: OfContract & { periodId: string }, change: number) {
  const c = contract(rows, d)
  rows.put('certificate_contracts', [d.certificateNumber, d.contractId], { ...c, period_id: d.periodId, reserved: (c.reserved as number) + change })
}

function period(rows: Rows, d: OfPeriod, position: number, change: (p: Row) => Row) {
  const p = rows.get('financing_periods', [d.municipality, d.periodId])
  if (p) rows.put('financing_periods', [d.municipality, d.periodId], { ...change(p), last_position: position })
}

const counted = (field: string, by: number) => (p: Row) => ({ ...p, [field]: (p[field] as number) + by })

function apply(rows: Rows, e: ProjectedEvent): void {
  const position = Number(e.globalPosition)
  // The money: what each event does to the certificate's nominal, reserved and spent (src/domain/certificate-money.ts),
  // and to what the certificate still holds for a contract.
  const move = moneyMoveOf(e)
  if (move && 'certificateNumber' in e.data) {
    putBalance(rows, { certificateNumber: e.data.certificateNumber, periodId: move.periodId }, position, move)
    if ('contractId' in e.data && move.reserved !== 0) putContractReserved(rows, { ...e.data, periodId: move.periodId }, move.reserved)
  }
  switch (e.type) {
    case 'CertificateIssued': {
      const d = e.data
      rows.put('certificates', [d.certificateNumber], {
        certificate_number: d.certificateNumber,
        municipality: d.municipality,
        birth_date: d.birthDate,
        issued_on: d.issuedOn,
        requested_type: d.requestedType,
        type: 'accounting',
        active: false,
        activated_on: null,
        frozen_in: null,
        last_position: position,
      })
      return
    }
    case 'CertificateActivated':
      return updateCertificate(rows, e.data, position, { active: true, activated_on: e.data.activatedOn })
    case 'CertificateUnfrozen':
      return updateCertificate(rows, e.data, position, { frozen_in: null })
    case 'CertificateTypeChanged':
      return updateCertificate(rows, e.data, position, { type: e.data.to })
    case 'CertificateFrozen':
      return updateCertificate(rows, e.data, position, { frozen_in: e.data.periodId })
    case 'ContractRequested':
      rows.put('certificate_contracts', [e.data.certificateNumber, e.data.contractId], {
        ...contract(rows, e.data),
        period_id: e.data.periodId,
        status: 'requested',
      })
      return
    case 'ContractAccepted':
    case 'ContractRefused':
    case 'ContractTerminated':
    case 'ContractClosed':
      rows.put('certificate_contracts', [e.data.certificateNumber, e.data.contractId], { ...contract(rows, e.data), status: CONTRACT_STATUS_AFTER[e.type] })
      return
    case 'FinancingPeriodOpened': {
      const d = e.data
      rows.put('financing_periods', [d.municipality, d.periodId], {
        municipality: d.municipality,
        period_id: d.periodId,
        start_date: d.startDate,
        end_date: d.endDate,
        nominal: d.nominal,
        financing_cap: d.financingCap,
        nominal_limit: d.nominalLimit,
        payer_id: d.payerId,
        places_taken: 0,
        queue_length: 0,
        last_position: position,
      })
      return
    }
    case 'FinancingPlaceTaken':
      return period(rows, e.data, position, counted('places_taken', 1))
    case 'FinancingPlaceReleased':
      return period(rows, e.data, position, counted('places_taken', -1))
    case 'CertificateQueuedForFinancing': {
      const d = e.data
      rows.put('financing_queue', [d.municipality, d.periodId, d.certificateNumber], {
        municipality: d.municipality,
        period_id: d.periodId,
        certificate_number: d.certificateNumber,
        queued_on: d.queuedOn,
        queued_at_position: position,
      })
      return period(rows, d, position, counted('queue_length', 1))
    }
    case 'CertificatePromotedFromQueue':
    case 'CertificateLeftFinancingQueue':
      rows.delete('financing_queue', [e.data.municipality, e.data.periodId, e.data.certificateNumber])
      return period(rows, e.data, position, counted('queue_length', -1))
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
