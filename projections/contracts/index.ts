import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CONTRACT_STATUS_AFTER } from '../contract-status.ts'
import type { ProjectedEvent, Projection, Row, RowRef, Rows } from '../types.ts'

// Contracts (see tables.sql and projections/README.md): the contract stream's events, one row per contract, and what
// its certificate wrote off for it.

const dir = path.dirname(fileURLToPath(import.meta.url))

function touches(e: ProjectedEvent): RowRef[] {
  switch (e.type) {
    case 'ContractRequested':
    case 'ContractAccepted':
    case 'ContractRefused':
    case 'ContractTerminated':
    case 'ContractClosed':
    case 'CertificateFundsWrittenOff':
    case 'CertificateWriteOffReturned':
    case 'ContractMonthCorrected':
    case 'ContractCorrectionInvoiced':
      return [{ table: 'contracts', key: [e.data.contractId] }]
    default:
      return []
  }
}

/** Changes the contract's row, when there is one. */
function update(rows: Rows, contractId: string, position: number, change: (c: Row) => Row) {
  const c = rows.get('contracts', [contractId])
  if (c) rows.put('contracts', [contractId], { ...c, ...change(c), last_position: position })
}

function apply(rows: Rows, e: ProjectedEvent): void {
  const position = Number(e.globalPosition)
  switch (e.type) {
    case 'ContractRequested': {
      const d = e.data
      const { schedule, ...quote } = { ...d.quote, schedule: d.schedule }
      rows.put('contracts', [d.contractId], {
        contract_id: d.contractId,
        certificate_number: d.certificateNumber,
        group_id: d.groupId,
        programme_id: d.programmeId,
        provider_id: d.providerId,
        payer_id: d.payerId,
        municipality: d.municipality,
        period_id: d.periodId,
        kind: d.kind,
        direction: d.direction,
        requested_on: d.requestedOn,
        start_date: d.startDate,
        end_date: d.endDate,
        status: 'requested',
        accepted_on: null,
        refused_on: null,
        refusal_reason: null,
        terminated_on: null,
        terminated_by: null,
        last_month: null,
        closes_on: null,
        closed_on: null,
        quote,
        schedule,
        certificate_part: d.quote.certificate,
        parent_part: d.quote.parent,
        released: 0,
        written_off: 0,
        pending_corrections: 0,
        last_position: position,
      })
      return
    }
    case 'ContractMonthCorrected':
      return update(rows, e.data.contractId, position, (c) => ({ pending_corrections: (c.pending_corrections as number) + 1 }))
    case 'ContractCorrectionInvoiced':
      return update(rows, e.data.contractId, position, (c) => ({ pending_corrections: (c.pending_corrections as number) - 1 }))
    case 'CertificateFundsWrittenOff':
      return update(rows, e.data.contractId, position, (c) => ({ written_off: (c.written_off as number) + e.data.amount }))
    case 'CertificateWriteOffReturned':
      return update(rows, e.data.contractId, position, (c) => ({ written_off: (c.written_off as number) - e.data.amount }))
    case 'ContractAccepted':
      return update(rows, e.data.contractId, position, () => ({ status: CONTRACT_STATUS_AFTER[e.type], accepted_on: e.data.acceptedOn }))
    case 'ContractRefused':
      return update(rows, e.data.contractId, position, (c) => ({
        status: CONTRACT_STATUS_AFTER[e.type],
        refused_on: e.data.refusedOn,
        refusal_reason: e.data.reason,
        released: (c.released as number) + e.data.released,
      }))
    case 'ContractTerminated': {
      const d = e.data
      return update(rows, d.contractId, position, (c) => ({
        status: CONTRACT_STATUS_AFTER[e.type],
        terminated_on: d.terminatedOn,
        terminated_by: d.by,
        last_month: d.lastMonth,
        closes_on: d.closesOn,
        released: (c.released as number) + d.released,
      }))
    }
    case 'ContractClosed':
      return update(rows, e.data.contractId, position, () => ({ status: CONTRACT_STATUS_AFTER[e.type], closed_on: e.data.closedOn }))
  }
}

export const contracts: Projection = {
  name: 'contracts',
  version: 3,
  dir,
  tables: ['contracts'],
  touches,
  apply,
}
