import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { type ProjectionReader, RECONCILIATION_FIGURES } from '../../../projections/read.ts'
import { payerFilter, requireReach } from '../../app/scope.ts'
import { callerOf } from '../auth.ts'
import { invoiceDocument, reconciliationCsv, reconciliationXlsx } from '../exports.ts'
import { ProblemError } from '../problem.ts'
import { currentTo, readQuery, requireMunicipalityScope } from '../reads.ts'
import { amountOut, date, id, money, month } from '../schemas.ts'

const FIELDS = RECONCILIATION_FIGURES
const figures = z.object(Object.fromEntries(FIELDS.map((f) => [f, amountOut])) as Record<(typeof FIELDS)[number], typeof amountOut>)

export const reconciliationRoutes: FastifyPluginAsync<{ reader: ProjectionReader }> = async (app, { reader }) => {
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
            providers: z.array(figures.extend({ providerId: z.string(), payerId: z.string() })),
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
      const position = await currentTo(reader, reply, ['provider-invoices'], minPosition)
      const r = await reader.invoices.reconciliation(municipality, m, payerFilter(caller), on ?? null)
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
      config: { roles: ['operator', 'payer', 'provider', 'auditor', 'reporting'], mediaTypes: ['text/plain'] },
      schema: {
        summary: 'An invoice as a document: lines with contract, certificate, % delivered and amount; total, advance, amount due',
        tags: ['settlement'],
        security: [{ bearer: [] }],
        params: z.object({ invoiceId: z.string().min(1).max(200) }),
        querystring: z.object(readQuery),
      },
    },
    async (request, reply) => {
      await currentTo(reader, reply, ['provider-invoices'], request.query.minPosition)
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
}
