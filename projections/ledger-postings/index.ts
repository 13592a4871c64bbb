import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RecordedEvent } from '../../src/store/port.ts'
import type { Projection, Rows } from '../types.ts'

// Double entry (see tables.sql and projections/README.md). Each money event becomes balanced postings; a
// certificate's `available`, `reserved` and `spent` accounts then equal its balance, reserved and spent.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event data read by field name, checked by events/
type D = Record<string, any>

const certificate = (d: D, part: 'available' | 'reserved' | 'spent') => `certificate:${d.certificateNumber}:${d.periodId}:${part}`

/** [debit, credit, amount, scope] of each posting an event makes; none for a zero amount (a posting moves money). */
export function postingsOf(e: RecordedEvent): [string, string, number, string][] {
  const d = e.data as D
  switch (e.type) {
    case 'NominalCredited':
      return d.amount > 0 ? [[certificate(d, 'available'), `budget:${d.periodId}`, d.amount, d.periodId]] : []
    case 'CertificateTypeChanged':
      return d.nominalWithdrawn > 0 ? [[`budget:${d.periodId}`, certificate(d, 'available'), d.nominalWithdrawn, d.periodId]] : []
    case 'CertificateFrozen':
      return d.balanceWithdrawn > 0 ? [[`budget:${d.periodId}`, certificate(d, 'available'), d.balanceWithdrawn, d.periodId]] : []
    case 'CertificateFundsReserved':
      return d.amount > 0 ? [[certificate(d, 'reserved'), certificate(d, 'available'), d.amount, d.periodId]] : []
    case 'CertificateReservationReleased':
      return d.amount > 0 ? [[certificate(d, 'available'), certificate(d, 'reserved'), d.amount, d.periodId]] : []
    case 'CertificateFundsWrittenOff':
      return d.amount > 0 ? [[certificate(d, 'spent'), certificate(d, 'reserved'), d.amount, d.periodId]] : []
    case 'ShortfallRefunded':
    case 'CertificateWriteOffReturned':
      return d.amount > 0 ? [[certificate(d, 'available'), certificate(d, 'spent'), d.amount, d.periodId]] : []
    case 'FinalInvoiceIssued': {
      // The services of the month become owed to the provider; the advance it was paid for them is set off.
      const out: [string, string, number, string][] = []
      if (d.total > 0) out.push([`payer:${d.payerId}:services`, `provider:${d.providerId}:payable`, d.total, d.month])
      // Corrections can leave a month negative: the provider then owes it back.
      if (d.total < 0) out.push([`provider:${d.providerId}:payable`, `payer:${d.payerId}:services`, -d.total, d.month])
      if (d.advanceDeducted > 0) out.push([`provider:${d.providerId}:payable`, `provider:${d.providerId}:advances`, d.advanceDeducted, d.month])
      return out
    }
    case 'PaymentRecorded':
      // An advance paid is a claim on the provider until a final invoice sets it off; a final payment settles it.
      if (d.amount === 0) return []
      return [[d.kind === 'advance' ? `provider:${d.providerId}:advances` : `provider:${d.providerId}:payable`, `payer:${d.payerId}:bank`, d.amount, d.month]]
    case 'PaymentReversed':
      if (d.amount === 0) return []
      return [[`payer:${d.payerId}:bank`, d.kind === 'advance' ? `provider:${d.providerId}:advances` : `provider:${d.providerId}:payable`, d.amount, d.month]]
    default:
      return []
  }
}

function apply(rows: Rows, e: RecordedEvent): void {
  postingsOf(e).forEach(([debit, credit, amount, scope], seq) => {
    rows.put('postings', [Number(e.globalPosition), seq], {
      global_position: Number(e.globalPosition), seq, scope, debit_account: debit, credit_account: credit, amount, event_type: e.type,
    })
  })
}

export const ledgerPostings: Projection = {
  name: 'ledger-postings',
  version: 2,
  dir: path.dirname(fileURLToPath(import.meta.url)),
  tables: ['postings'],
  touches: (e) => postingsOf(e).map((_, seq) => ({ table: 'postings', key: [Number(e.globalPosition), seq] })),
  apply,
}
