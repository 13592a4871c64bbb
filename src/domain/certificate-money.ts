import type { LedgerEvent } from '../../events/index.ts'
import type { Kopecks } from './money.ts'

/**
 * What a money event does to a certificate's money in one period: the change of its nominal, of what is reserved and
 * of what is spent (the balance is nominal − reserved − spent). The one table the read side uses — the audit trail,
 * the certificate-balances projection, the double-entry postings. Two readings stay independent on purpose: the
 * certificate decider's own `evolve` (which `ledger verify` folds the log with) and the tests' invariants, so a
 * mistake here cannot hide from every check.
 */
export interface MoneyMove {
  periodId: string
  nominal: Kopecks
  reserved: Kopecks
  spent: Kopecks
}

export function moneyMoveOf(e: LedgerEvent): MoneyMove | null {
  const move = (periodId: string, change: Partial<Omit<MoneyMove, 'periodId'>>): MoneyMove => ({ periodId, nominal: 0, reserved: 0, spent: 0, ...change })
  switch (e.type) {
    case 'NominalCredited':
      return move(e.data.periodId, { nominal: e.data.amount })
    case 'CertificateTypeChanged':
      return move(e.data.periodId, { nominal: -e.data.nominalWithdrawn })
    case 'CertificateFrozen':
      return move(e.data.periodId, { nominal: -e.data.balanceWithdrawn })
    case 'CertificateFundsReserved':
      return move(e.data.periodId, { reserved: e.data.amount })
    case 'CertificateReservationReleased':
      return move(e.data.periodId, { reserved: -e.data.amount })
    case 'CertificateFundsWrittenOff':
      return move(e.data.periodId, { reserved: -e.data.amount, spent: e.data.amount })
    case 'ShortfallRefunded':
    case 'CertificateWriteOffReturned':
      return move(e.data.periodId, { spent: -e.data.amount })
    default:
      return null
  }
}

/** The certificate's accounts a move goes between, as [debit, credit, amount] in the parts `available`, `reserved`, `spent` and the `budget`. */
export type Part = 'available' | 'reserved' | 'spent' | 'budget'

/**
 * A move as double entry: each change a transfer between two parts, so for every account debits and credits add up
 * and a certificate's `available`, `reserved` and `spent` accounts equal its balance, reserved and spent.
 */
export function transfersOf(m: MoneyMove): [Part, Part, Kopecks][] {
  const out: [Part, Part, Kopecks][] = []
  const transfer = (to: Part, from: Part, amount: Kopecks) => {
    if (amount > 0) out.push([to, from, amount])
    if (amount < 0) out.push([from, to, -amount])
  }
  transfer('available', 'budget', m.nominal)
  // A write-off moves reserved money to spent; otherwise reserved and spent money come from and go to the balance.
  if (m.reserved < 0 && m.spent === -m.reserved) transfer('spent', 'reserved', m.spent)
  else {
    transfer('reserved', 'available', m.reserved)
    transfer('spent', 'available', m.spent)
  }
  return out
}
