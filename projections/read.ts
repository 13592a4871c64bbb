import type { Sql } from '../src/db/database.ts'
import { compareLogPositions, type EventStore, type LogPosition } from '../src/store/port.ts'
import { CertificateReads } from './certificate-balances/read.ts'
import { ContractReads } from './contracts/read.ts'
import { CoverageReads } from './coverage/read.ts'
import { OrganisationReads } from './organisations/read.ts'
import { readCheckpoint } from './postgres.ts'
import { InvoiceLists } from './provider-invoices/lists.ts'
import { InvoiceReads } from './provider-invoices/read.ts'
import { activeSchema } from './runner.ts'

// The read side's shared part: which generation of a projection is active, how far the read models are current, and
// waiting for a position (read-your-writes). Each projection's own queries are in projections/<name>/read.ts.

export type { CertificateView } from './certificate-balances/read.ts'
export { RECONCILIATION_FIGURES } from './provider-invoices/read.ts'

export class ProjectionReader {
  readonly certificates: CertificateReads
  readonly contracts: ContractReads
  readonly invoices: InvoiceReads
  readonly coverage: CoverageReads
  readonly organisations: OrganisationReads
  readonly invoiceLists: InvoiceLists

  constructor(
    readonly sql: Sql,
    readonly store: EventStore,
  ) {
    this.certificates = new CertificateReads(this)
    this.contracts = new ContractReads(this)
    this.invoices = new InvoiceReads(this)
    this.coverage = new CoverageReads(this)
    this.organisations = new OrganisationReads(this)
    this.invoiceLists = new InvoiceLists(this)
  }

  /** The schema of a projection's active generation. */
  async schema(name: string) {
    return (await activeSchema(this.sql, name)).schema
  }

  /** The log position the named projections have all reached: what an answer built from them is current to. */
  async position(names: readonly string[]): Promise<LogPosition> {
    const checkpoints = await Promise.all(names.map(async (n) => readCheckpoint(this.sql, await this.schema(n))))
    return checkpoints.reduce((a, b) => (compareLogPositions(a, b) <= 0 ? a : b))
  }

  /** Waits until the named projections include the event at `globalPosition` (read-your-writes); false on timeout. */
  async waitFor(names: readonly string[], globalPosition: bigint, timeoutMs: number): Promise<boolean> {
    const target = await this.store.positionOf(globalPosition)
    if (!target) return false
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (compareLogPositions(await this.position(names), target) >= 0) return true
      if (Date.now() >= deadline) return false
      await new Promise((r) => setTimeout(r, 25))
    }
  }
}
