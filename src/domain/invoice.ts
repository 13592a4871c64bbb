import type { IsoMonth } from './dates.ts'

// What names an invoice. One advance and one final invoice per municipality, payer, provider and month.

export type InvoiceKind = 'advance' | 'final'

/** The invoice's id, which is also its stream's name after `invoice-`. */
export const invoiceIds = {
  final: (municipality: string, payerId: string, providerId: string, month: IsoMonth) => `final-${municipality}-${payerId}-${providerId}-${month}`,
  advance: (municipality: string, payerId: string, providerId: string, month: IsoMonth) => `advance-${municipality}-${payerId}-${providerId}-${month}`,
}

/**
 * An invoice's number, unique over the ledger and written into payment orders' purposes so bank statements can be
 * matched: F (final) or A (advance), the month, the municipality, the payer and the provider.
 */
export const invoiceNumber = (kind: 'F' | 'A', month: IsoMonth, municipality: string, payerId: string, providerId: string) =>
  `${kind}-${month}-${municipality}-${payerId}-${providerId}`
