import { certificateBalances } from './certificate-balances/index.ts'
import { contracts } from './contracts/index.ts'
import { coverage } from './coverage/index.ts'
import { ledgerPostings } from './ledger-postings/index.ts'
import { organisations } from './organisations/index.ts'
import { providerInvoices } from './provider-invoices/index.ts'
import type { Projection } from './types.ts'

/** Every read model, in the order the runner feeds them. */
export const PROJECTIONS: readonly Projection[] = [certificateBalances, contracts, providerInvoices, coverage, ledgerPostings, organisations]

export function projectionNamed(name: string): Projection {
  const p = PROJECTIONS.find((x) => x.name === name)
  if (!p) throw new Error(`no projection ${JSON.stringify(name)}; there are ${PROJECTIONS.map((x) => x.name).join(', ')}`)
  return p
}
