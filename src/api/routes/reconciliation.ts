import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { type ProjectionReader, RECONCILIATION_FIGURES } from '../../../projections/read.ts'
import type { Application } from '../../app/context.ts'
import { invoiceDocumentData, reconciliationActData } from '../../app/documents.ts'
import { payerFilter, requireReach } from '../../app/scope.ts'
import { todayIn } from '../../audit/as-of.ts'
import { invoicePdf } from '../../documents/invoice-pdf.ts'
import { invoiceXlsx } from '../../documents/invoice-xlsx.ts'
import { reconciliationActPdf } from '../../documents/reconciliation-act-pdf.ts'
import type { OrganisationLookup } from '../../domain/organisation.ts'
import { callerOf } from '../auth.ts'
import { invoiceDocument, reconciliationCsv, reconciliationXlsx } from '../exports.ts'
import { ProblemError } from '../problem.ts'
import { currentTo, readQuery, requireMunicipalityScope } from '../reads.ts'
import { amountOut, date, id, money, month } from '../schemas.ts'

const FIELDS = RECONCILIATION_FIGURES

const PDF = 'application/pdf'
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const binary = z.string().meta({ format: 'binary' })
/** Who reads invoices and acts: a payer and a provider their own (src/app/scope.ts), the others all. */
const DOCUMENT_ROLES = ['operator', 'payer', 'provider', 'auditor', 'reporting'] as const

const problem = (codes: [string, ...string[]]) =>
  z.looseObject({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string(), code: z.enum(codes), instance: z.string() })
/**
 * The refusals particular to the documents, as application/problem+json; the ones every route shares (400, 401, 403,
 * 429, 500, 503) are added to /openapi.json for every route alike.
 */
const documentProblems = {
  404: {
    description: "invoice_not_found: no such invoice (for the act: no invoice of the pair that month), or another tenant's",
    content: { 'application/problem+json': { schema: problem(['invoice_not_found']) } },
  },
  422: {
    description: "requisites_incomplete: a party lacks requisites the document needs; `missing` names each party's fields",
    content: {
      'application/problem+json': {
        schema: problem(['requisites_incomplete']).extend({
          missing: z.array(z.object({ party: z.enum(['payer', 'provider']), id: z.string(), fields: z.array(z.string()) })),
        }),
      },
    },
  },
}

/** PDF or XLSX when Accept asks for one of them (and not for text); text, as before, otherwise. */
function formatFromAccept(accept: string | undefined): 'text' | 'pdf' | 'xlsx' {
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0]!.trim().toLowerCase())
  if (types.includes(PDF)) return 'pdf'
  if (types.includes(XLSX)) return 'xlsx'
  return 'text'
}

/** A file name of the id's characters only (an id may carry anything a header cannot). */
const fileName = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_')
const figures = z.object(Object.fromEntries(FIELDS.map((f) => [f, amountOut])) as Record<(typeof FIELDS)[number], typeof amountOut>)

export const reconciliationRoutes: FastifyPluginAsync<{
  ledger: Application
  reader: ProjectionReader
  timeZone: string
  organisations: OrganisationLookup
}> = async (app, { ledger, reader, timeZone, organisations }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/reconciliation',
    {
      config: { roles: ['operator', 'payer', 'auditor', 'reporting'] },
      schema: {
        summary: "The payer's month per provider: invoiced (advance, final), paid, outstanding, paid late, refunds to certificates",
        description:
          'With `on` (a business date), as of that day: only invoices issued, payments made and not reversed, advances deducted and refunds made ' +
          "on or before it; amounts still unpaid after their deadline (the 10th) are overdue. An advance deducted by its month's final invoice " +
          'owes nothing. `status` says whether the month was closed (then); a month not closed has advances only. A payer sees its own invoices.',
        tags: ['settlement'],
        security: [{ bearer: [] }],
        querystring: z.object({
          municipality: id,
          month,
          on: date.optional(),
          format: z.enum(['json', 'csv', 'xlsx']).default('json').describe('csv: `;`, UTF-8 BOM, decimal comma, Russian headers; xlsx: a workbook'),
          ...readQuery,
        }),
        response: {
          200: z.object({
            municipality: z.string(),
            month: z.string(),
            on: z.string().nullable(),
            status: z.enum(['closed', 'not_closed']).describe('whether the month was closed (on `on`, when given)'),
            closedOn: z.string().nullable(),
            note: z.string().nullable().describe('what a month not closed means for these figures'),
            providers: z.array(
              figures.extend({
                providerId: z.string(),
                providerName: z.string().nullable().describe('the registered name; null when the registry has none'),
                payerId: z.string(),
                payerName: z.string().nullable(),
              }),
            ),
            totals: figures,
            position: z.string(),
          }),
        },
      },
    },
    async (request, reply) => {
      const { municipality, month: m, on, minPosition } = request.query
      await requireMunicipalityScope(reader, request, municipality)
      if (!(await reader.certificates.municipalityExists(municipality)))
        throw new ProblemError(404, 'municipality_not_found', 'Not found', `no municipality ${municipality}`)
      const caller = callerOf(request)
      const position = await currentTo(reader, reply, ['provider-invoices', 'organisations'], minPosition)
      const figuresOf = await reader.invoices.reconciliation(municipality, m, payerFilter(caller), on ?? null)
      const payerNames = await reader.organisations.names(
        'payer',
        figuresOf.providers.map((p) => p.payerId as string),
      )
      const providerNames = await reader.organisations.names(
        'provider',
        figuresOf.providers.map((p) => p.providerId as string),
      )
      // Names where ids are: the registered names, in the order an accountant reads them (id, then name).
      const providers = figuresOf.providers.map(({ providerId, payerId, ...rest }) => ({
        providerId,
        providerName: providerNames.get(providerId) ?? null,
        payerId,
        payerName: payerNames.get(payerId) ?? null,
        ...rest,
      }))
      const r = { ...figuresOf, providers }
      const note =
        r.status === 'closed' ? null : `${m} of ${municipality} is not closed${on ? ` on ${on}` : ''}: its final invoices are not issued yet; advances only`
      const noteRu =
        r.status === 'closed'
          ? null
          : `Месяц ${m} не закрыт${on ? ` на ${on.split('-').reverse().join('.')}` : ''}: итоговые счета ещё не выставлены, показаны только авансы`
      if (request.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="reconciliation-${municipality}-${m}.csv"`)
          .send(reconciliationCsv(r.providers as never, r.totals as never, noteRu) as never)
      }
      if (request.query.format === 'xlsx') {
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="reconciliation-${municipality}-${m}.xlsx"`)
          .send((await reconciliationXlsx(`Сверка расчётов с поставщиками: ${municipality}, ${m}`, r.providers as never, r.totals as never, noteRu)) as never)
      }
      const asMoney = (o: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(o).map(([k, v]) => [k, (FIELDS as readonly string[]).includes(k) ? money(v as number) : v]))
      return { ...r, note, providers: r.providers.map(asMoney) as never, totals: asMoney(r.totals) as never, position }
    },
  )

  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/invoices/:invoiceId/document',
    {
      config: { roles: DOCUMENT_ROLES },
      schema: {
        summary: 'An invoice as a document: plain text (as before), PDF (счёт на оплату) or XLSX',
        description:
          'Text by default: lines with contract, certificate, % delivered and amount; total, advance, amount due. ' +
          "`format=pdf` or `Accept: application/pdf`: the invoice to file, with both parties' requisites in force on its issue date, the lines " +
          '(certificate, programme, group, month amount, completeness, line amount), totals, the advance deducted, the amount due in figures and ' +
          "in words, «Без налога (НДС)», the provider head's signature block and the number bank statements match. `format=xlsx` or the XLSX media " +
          "type in Accept: the same invoice as a workbook. PDF and XLSX need both parties' requisites: without them 422 requisites_incomplete " +
          "names each party's missing fields in `missing`.",
        tags: ['settlement'],
        security: [{ bearer: [] }],
        params: z.object({ invoiceId: z.string().min(1).max(200) }),
        querystring: z.object({
          format: z.enum(['text', 'pdf', 'xlsx']).optional().describe('wins over Accept; without both: text'),
          ...readQuery,
        }),
        response: {
          200: {
            description: 'the invoice in the format asked for',
            content: { 'text/plain': { schema: z.string() }, [PDF]: { schema: binary }, [XLSX]: { schema: binary } },
          },
          ...documentProblems,
        },
      },
    },
    async (request, reply) => {
      await currentTo(reader, reply, ['provider-invoices'], request.query.minPosition)
      const format = request.query.format ?? formatFromAccept(request.headers.accept)
      if (format !== 'text') {
        const data = await invoiceDocumentData(ledger, reader, organisations, callerOf(request), request.params.invoiceId)
        if (!data) throw new ProblemError(404, 'invoice_not_found', 'Not found', `no invoice ${request.params.invoiceId}`)
        const file = fileName(`invoice-${data.number}`)
        if (format === 'pdf')
          return reply
            .type(PDF)
            .header('content-disposition', `attachment; filename="${file}.pdf"`)
            .send((await invoicePdf(data)) as never)
        return reply
          .type(XLSX)
          .header('content-disposition', `attachment; filename="${file}.xlsx"`)
          .send((await invoiceXlsx(data)) as never)
      }
      const invoice = await reader.invoices.document(request.params.invoiceId)
      if (!invoice) throw new ProblemError(404, 'invoice_not_found', 'Not found', `no invoice ${request.params.invoiceId}`)
      requireReach(callerOf(request), {
        kind: 'invoice',
        id: String(invoice.invoice_id),
        providerId: String(invoice.provider_id),
        payerId: String(invoice.payer_id),
      })
      return reply.type('text/plain; charset=utf-8').send(invoiceDocument(invoice as never))
    },
  )

  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/reconciliation/act',
    {
      config: { roles: DOCUMENT_ROLES },
      schema: {
        summary: 'The reconciliation act (акт сверки взаимных расчётов) of a payer and a provider for a month, as PDF',
        description:
          "The month's advance and final invoices of the pair, their payments and reversals by `on` (a business date; default today in " +
          "LEDGER_TIME_ZONE), the month's figures as GET /v1/reconciliation gives them on that date, the balance in figures and in words, " +
          "«Без налога (НДС)», both parties' requisites in force on `on` and both heads' signature blocks. A payer gets its own acts, a provider " +
          "its own; another's answers 404 like a pair without invoices. Without both parties' requisites: 422 requisites_incomplete.",
        tags: ['settlement'],
        security: [{ bearer: [] }],
        querystring: z.object({
          payer: id,
          provider: id,
          month,
          on: date.optional(),
          format: z.enum(['pdf']).default('pdf'),
          ...readQuery,
        }),
        response: {
          200: { description: 'the act', content: { [PDF]: { schema: binary } } },
          ...documentProblems,
        },
      },
    },
    async (request, reply) => {
      const { payer, provider, month: m, minPosition } = request.query
      const on = request.query.on ?? todayIn(timeZone)
      await currentTo(reader, reply, ['provider-invoices'], minPosition)
      const data = await reconciliationActData(reader, organisations, callerOf(request), { payerId: payer, providerId: provider, month: m, on })
      return reply
        .type(PDF)
        .header('content-disposition', `attachment; filename="${fileName(`reconciliation-act-${payer}-${provider}-${m}-${on}`)}.pdf"`)
        .send((await reconciliationActPdf(data)) as never)
    },
  )
}
