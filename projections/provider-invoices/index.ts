import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Projection } from '../types.ts'

// Provider invoices (see tables.sql and projections/README.md). The monthly settlement's events (advance and
// final invoices, payments, corrections) are not in the catalogue yet; until they are, no event touches it.

export const providerInvoices: Projection = {
  name: 'provider-invoices',
  version: 1,
  dir: path.dirname(fileURLToPath(import.meta.url)),
  tables: ['invoices', 'invoice_lines', 'payments'],
  touches: () => [],
  apply: () => {},
}
