import { type ProjectionReader, RECONCILIATION_FIGURES } from '../../projections/read.ts'
import type { Caller } from '../auth/tokens.ts'
import type { IsoDate, IsoMonth } from '../domain/dates.ts'
import { DomainError, refuse } from '../domain/errors.ts'
import { paymentDeadline } from '../domain/invoice.ts'
import type { Kopecks } from '../domain/money.ts'
import { missingRequisites, type Organisation, type OrganisationKind, type OrganisationLookup, type Requisites } from '../domain/organisation.ts'
import { providerDecider } from '../domain/provider.ts'
import { StreamNotFoundError } from '../store/port.ts'
import type { Application } from './context.ts'
import { requireReach } from './scope.ts'
import { streams } from './streams.ts'

// What a printed document needs, gathered from the read models, the registry and the organisations' requisites in
// force on the document's business date. Every figure comes from the ledger as recorded (the invoice's event, the
// reconciliation's figures): the documents print them and compute no rule of their own.

/** An organisation whose requisites are complete enough for a payment document. */
interface DocumentParty {
  id: string
  requisites: Requisites
}

interface InvoiceDocumentLine {
  certificateNumber: string
  contractId: string
  contractDate: IsoDate | null
  programme: string
  group: string
  /** The contract month the line pays. */
  month: IsoMonth
  monthAmount: Kopecks
  /** Final: the share of the service delivered; advance: the advance percentage; in basis points (10000 = 100 %). */
  completenessBp: number
  lineAmount: Kopecks
}

export interface InvoiceDocumentData {
  invoiceId: string
  kind: 'final' | 'advance'
  /** The number bank statements match: it goes into the payment order's purpose. */
  number: string
  issuedOn: IsoDate
  dueBy: IsoDate
  municipality: string
  month: IsoMonth
  payer: DocumentParty
  provider: DocumentParty
  lines: InvoiceDocumentLine[]
  corrections: { certificateNumber: string; contractId: string; month: IsoMonth; correctsInvoiceId: string; amount: Kopecks }[]
  /** Lines plus corrections. */
  total: Kopecks
  advanceDeducted: Kopecks
  /** total − advanceDeducted (final); the total (advance). Negative when the advance paid exceeded the services. */
  amountDue: Kopecks
}

/**
 * The organisations as the registry knows them today: a provider by its registered name, a payer by its id alone;
 * neither with requisites, so documents are refused naming what is missing until a registry of requisites is wired in.
 */
export function registeredNamesLookup(app: Application): OrganisationLookup {
  return async (kind: OrganisationKind, id: string) => {
    if (kind === 'payer') return { kind, id, name: id, requisites: {} }
    const provider = await app.aggregates.load(providerDecider, streams.provider(id))
    return provider.state.providerId === null ? undefined : { kind, id, name: provider.state.name, requisites: {} }
  }
}

/** Both parties as of the date, or a refusal (422 requisites_incomplete) naming each party's missing fields. */
async function partiesOf(lookup: OrganisationLookup, payerId: string, providerId: string, onDate: IsoDate) {
  const found = async (kind: OrganisationKind, id: string): Promise<Organisation> => (await lookup(kind, id, onDate)) ?? { kind, id, name: id, requisites: {} }
  const [payer, provider] = await Promise.all([found('payer', payerId), found('provider', providerId)])
  const missing = [payer, provider].map((o) => ({ party: o.kind, id: o.id, fields: missingRequisites(o) })).filter((m) => m.fields.length > 0)
  if (missing.length > 0) {
    const named = missing.map((m) => `${m.party} ${m.id} lacks ${m.fields.join(', ')}`).join('; ')
    throw new DomainError('requisites_incomplete', `a document of ${onDate} needs both parties' requisites: ${named}`, { missing })
  }
  const party = (o: Organisation): DocumentParty => ({ id: o.id, requisites: o.requisites as Requisites })
  return { payer: party(payer), provider: party(provider) }
}

/** A programme's title from its registration (the read models keep ids only). */
async function programmeTitles(app: Application, ids: readonly string[]): Promise<Map<string, string>> {
  const titles = new Map<string, string>()
  for (const id of new Set(ids)) {
    const [registered] = await app.store.readStream(streams.programme(id), { limit: 1 }).catch((e: unknown) => {
      if (e instanceof StreamNotFoundError) return []
      throw e
    })
    titles.set(id, (registered?.data as { title?: string } | undefined)?.title ?? id)
  }
  return titles
}

/** An invoice ready to print, if the caller reaches it; null when there is no such invoice. */
export async function invoiceDocumentData(
  app: Application,
  reader: ProjectionReader,
  lookup: OrganisationLookup,
  caller: Caller | null,
  invoiceId: string,
): Promise<InvoiceDocumentData | null> {
  const invoice = await reader.invoices.document(invoiceId)
  if (!invoice) return null
  requireReach(caller, { kind: 'invoice', id: String(invoice.invoice_id), providerId: String(invoice.provider_id), payerId: String(invoice.payer_id) })
  const kind = invoice.kind as 'final' | 'advance'
  const parties = await partiesOf(lookup, invoice.payer_id, invoice.provider_id, invoice.issued_on)
  const contracts = await reader.invoices.contractsOfLines(invoice.lines.map((l) => String(l.contract_id)))
  const titles = await programmeTitles(
    app,
    [...contracts.values()].map((c) => c.programmeId),
  )
  return {
    invoiceId,
    kind,
    number: invoice.number,
    issuedOn: invoice.issued_on,
    dueBy: paymentDeadline(kind, invoice.month),
    municipality: invoice.municipality,
    month: invoice.month,
    ...parties,
    lines: invoice.lines.map((l) => {
      const contract = contracts.get(l.contract_id)
      return {
        certificateNumber: l.certificate_number,
        contractId: l.contract_id,
        contractDate: l.contract_date ?? null,
        programme: contract ? (titles.get(contract.programmeId) ?? contract.programmeId) : '',
        group: contract?.groupId ?? '',
        month: l.month,
        monthAmount: Number(l.month_amount),
        completenessBp: Number(l.completeness_bp),
        lineAmount: Number(l.line_amount),
      }
    }),
    corrections: invoice.corrections.map((c) => ({
      certificateNumber: c.certificate_number,
      contractId: c.contract_id,
      month: c.month,
      correctsInvoiceId: c.corrects_invoice_id,
      amount: Number(c.amount),
    })),
    total: Number(invoice.total),
    advanceDeducted: Number(invoice.advance_deducted),
    amountDue: Number(invoice.amount_due),
  }
}

/** One line of a reconciliation act: an invoice issued, a payment made, or a payment reversed (storno). */
export interface ActEntry {
  date: IsoDate
  kind: 'advance_invoice' | 'final_invoice' | 'payment' | 'reversal'
  invoiceNumber: string
  paymentOrder: string | null
  /** The invoice's total, or the payment's amount (positive for a reversal too). */
  amount: Kopecks
}

export interface ActDocumentData {
  payer: DocumentParty
  provider: DocumentParty
  municipality: string
  month: IsoMonth
  /** The act's business date: what was issued, paid and reversed by the end of it. */
  on: IsoDate
  closedOn: IsoDate | null
  entries: ActEntry[]
  /** The month's figures of this pair as the reconciliation gives them on `on` (kopecks). */
  figures: Record<(typeof RECONCILIATION_FIGURES)[number], Kopecks>
}

const ENTRY_ORDER: ActEntry['kind'][] = ['advance_invoice', 'final_invoice', 'payment', 'reversal']

/**
 * The reconciliation act (акт сверки взаимных расчётов) of a payer and a provider for a month, as of `on`: the
 * month's invoices and their payments in date order, and the month's figures from the reconciliation itself.
 */
export async function reconciliationActData(
  reader: ProjectionReader,
  lookup: OrganisationLookup,
  caller: Caller | null,
  query: { payerId: string; providerId: string; month: IsoMonth; on: IsoDate },
): Promise<ActDocumentData> {
  const { payerId, providerId, month, on } = query
  const pair = `${payerId}/${providerId}/${month}`
  requireReach(caller, { kind: 'invoice', id: pair, providerId, payerId })
  const { invoices, payments } = await reader.invoices.ofPair(payerId, providerId, month)
  if (invoices.length === 0) refuse('invoice_not_found', `no invoice of payer ${payerId} from provider ${providerId} for ${month}`)
  const parties = await partiesOf(lookup, payerId, providerId, on)
  // A provider belongs to one municipality; should a pair's invoices ever span several, the act adds their figures.
  const municipalities = [...new Set(invoices.map((i) => i.municipality))]
  const reconciliations = await Promise.all(municipalities.map((m) => reader.invoices.reconciliation(m, month, payerId, on)))
  const rows = reconciliations.map((r) => r.providers.find((p) => p.providerId === providerId))
  const figures = Object.fromEntries(
    RECONCILIATION_FIGURES.map((f) => [f, rows.reduce((sum, row) => sum + Number(row?.[f] ?? 0), 0)]),
  ) as ActDocumentData['figures']
  const closedOn = reconciliations.every((r) => r.closedOn !== null)
    ? reconciliations
        .map((r) => r.closedOn!)
        .sort()
        .at(-1)!
    : null
  const numberOf = new Map(invoices.map((i) => [i.invoiceId, i.number]))
  const entries: ActEntry[] = [
    ...invoices
      .filter((i) => i.issuedOn <= on)
      .map((i) => ({ date: i.issuedOn, kind: `${i.kind}_invoice` as const, invoiceNumber: i.number, paymentOrder: null, amount: i.total })),
    ...payments
      .filter((p) => p.paidOn <= on)
      .map((p) => ({ date: p.paidOn, kind: 'payment' as const, invoiceNumber: numberOf.get(p.invoiceId)!, paymentOrder: p.paymentOrder, amount: p.amount })),
    ...payments
      .filter((p) => p.reversedOn !== null && p.reversedOn <= on)
      .map((p) => ({
        date: p.reversedOn!,
        kind: 'reversal' as const,
        invoiceNumber: numberOf.get(p.invoiceId)!,
        paymentOrder: p.paymentOrder,
        amount: p.amount,
      })),
  ].sort((a, b) => a.date.localeCompare(b.date) || ENTRY_ORDER.indexOf(a.kind) - ENTRY_ORDER.indexOf(b.kind))
  return { ...parties, municipality: municipalities.join(', '), month, on, closedOn, entries, figures }
}
