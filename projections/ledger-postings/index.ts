import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { moneyMoveOf, type Part, transfersOf } from '../../src/domain/certificate-money.ts'
import type { ProjectedEvent, Projection, Rows } from '../types.ts'

// Double entry (see tables.sql and projections/README.md). Each money event becomes balanced postings; a
// certificate's `available`, `reserved` and `spent` accounts then equal its balance, reserved and spent.

const certificate = (d: { certificateNumber: string; periodId: string }, part: 'available' | 'reserved' | 'spent') =>
  `certificate:${d.certificateNumber}:${d.periodId}:${part}`

/** [debit, credit, amount, scope] of each posting an event makes; none for a zero amount (a posting moves money). */
function postingsOf(e: ProjectedEvent): [string, string, number, string][] {
  // A certificate's money: each change a transfer between its parts and the budget (src/domain/certificate-money.ts).
  const move = moneyMoveOf(e)
  if (move && 'certificateNumber' in e.data) {
    const d = { certificateNumber: e.data.certificateNumber, periodId: move.periodId }
    const account = (part: Part) => (part === 'budget' ? `budget:${move.periodId}` : certificate(d, part))
    return transfersOf(move).map(([debit, credit, amount]) => [account(debit), account(credit), amount, move.periodId])
  }
  switch (e.type) {
    case 'FinalInvoiceIssued': {
      // The services of the month become owed to the provider; the advance it was paid for them is set off.
      const out: [string, string, number, string][] = []
      if (e.data.total > 0) out.push([`payer:${e.data.payerId}:services`, `provider:${e.data.providerId}:payable`, e.data.total, e.data.month])
      // Corrections can leave a month negative: the provider then owes it back.
      if (e.data.total < 0) out.push([`provider:${e.data.providerId}:payable`, `payer:${e.data.payerId}:services`, -e.data.total, e.data.month])
      if (e.data.advanceDeducted > 0)
        out.push([`provider:${e.data.providerId}:payable`, `provider:${e.data.providerId}:advances`, e.data.advanceDeducted, e.data.month])
      return out
    }
    case 'PaymentRecorded':
      // An advance paid is a claim on the provider until a final invoice sets it off; a final payment settles it.
      if (e.data.amount === 0) return []
      return [
        [
          e.data.kind === 'advance' ? `provider:${e.data.providerId}:advances` : `provider:${e.data.providerId}:payable`,
          `payer:${e.data.payerId}:bank`,
          e.data.amount,
          e.data.month,
        ],
      ]
    case 'PaymentReversed':
      if (e.data.amount === 0) return []
      return [
        [
          `payer:${e.data.payerId}:bank`,
          e.data.kind === 'advance' ? `provider:${e.data.providerId}:advances` : `provider:${e.data.providerId}:payable`,
          e.data.amount,
          e.data.month,
        ],
      ]
    default:
      return []
  }
}

function apply(rows: Rows, e: ProjectedEvent): void {
  postingsOf(e).forEach(([debit, credit, amount, scope], seq) => {
    rows.put('postings', [Number(e.globalPosition), seq], {
      global_position: Number(e.globalPosition),
      seq,
      scope,
      debit_account: debit,
      credit_account: credit,
      amount,
      event_type: e.type,
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
