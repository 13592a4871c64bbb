import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RecordedEvent } from '../../src/store/port.ts'
import { CONTRACT_STATUS_AFTER } from '../contract-status.ts'
import type { Projection, Rows } from '../types.ts'

// Contracts (see tables.sql and projections/README.md): the contract stream's events, one row per contract.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event data read by field name, checked by events/
type D = Record<string, any>
const dir = path.dirname(fileURLToPath(import.meta.url))

const STATUS = CONTRACT_STATUS_AFTER

function apply(rows: Rows, e: RecordedEvent): void {
  const d = e.data as D
  const position = Number(e.globalPosition)
  if (e.type === 'ContractRequested') {
    const { schedule, ...quote } = { ...d.quote, schedule: d.schedule }
    rows.put('contracts', [d.contractId], {
      contract_id: d.contractId, certificate_number: d.certificateNumber, group_id: d.groupId, programme_id: d.programmeId,
      provider_id: d.providerId, payer_id: d.payerId, municipality: d.municipality, period_id: d.periodId, kind: d.kind,
      direction: d.direction, requested_on: d.requestedOn, start_date: d.startDate, end_date: d.endDate, status: 'requested',
      accepted_on: null, refused_on: null, refusal_reason: null, terminated_on: null, terminated_by: null, last_month: null,
      closes_on: null, closed_on: null, quote, schedule, certificate_part: d.quote.certificate, parent_part: d.quote.parent,
      released: 0, written_off: 0, pending_corrections: 0, last_position: position,
    })
    return
  }
  if (e.type === 'ContractMonthCorrected' || e.type === 'ContractCorrectionInvoiced') {
    const c = rows.get('contracts', [d.contractId])
    if (c) rows.put('contracts', [d.contractId], { ...c, pending_corrections: (c.pending_corrections as number) + (e.type === 'ContractMonthCorrected' ? 1 : -1), last_position: position })
    return
  }
  if (e.type === 'CertificateFundsWrittenOff' || e.type === 'CertificateWriteOffReturned') {
    const c = rows.get('contracts', [d.contractId])
    const sign = e.type === 'CertificateFundsWrittenOff' ? 1 : -1
    if (c) rows.put('contracts', [d.contractId], { ...c, written_off: (c.written_off as number) + sign * d.amount, last_position: position })
    return
  }
  const status = STATUS[e.type]
  if (!status) return
  const c = rows.get('contracts', [d.contractId])
  if (!c) return
  const change: D = { status, last_position: position }
  if (e.type === 'ContractAccepted') change.accepted_on = d.acceptedOn
  if (e.type === 'ContractRefused') Object.assign(change, { refused_on: d.refusedOn, refusal_reason: d.reason, released: (c.released as number) + d.released })
  if (e.type === 'ContractTerminated') {
    Object.assign(change, { terminated_on: d.terminatedOn, terminated_by: d.by, last_month: d.lastMonth, closes_on: d.closesOn, released: (c.released as number) + d.released })
  }
  if (e.type === 'ContractClosed') change.closed_on = d.closedOn
  rows.put('contracts', [d.contractId], { ...c, ...change })
}

export const contracts: Projection = {
  name: 'contracts',
  version: 3,
  dir,
  tables: ['contracts'],
  touches: (e) => (['ContractRequested', 'CertificateFundsWrittenOff', 'CertificateWriteOffReturned', 'ContractMonthCorrected', 'ContractCorrectionInvoiced'].includes(e.type) || STATUS[e.type] ? [{ table: 'contracts', key: [(e.data as D).contractId] }] : []),
  apply,
}
