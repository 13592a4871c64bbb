import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ProjectionReader } from '../../../projections/read.ts'
import { callerOf, requirePayerScope, requireProviderScope } from '../auth.ts'
import { invoiceDocument, reconciliationCsv, reconciliationXlsx } from '../exports.ts'
import { ProblemError } from '../problem.ts'
import { currentTo, readQuery, requireMunicipalityScope } from '../reads.ts'
import { amountOut, date, id, money, month } from '../schemas.ts'

const FIELDS = ['advanceInvoiced', 'advancePaid', 'finalInvoiced', 'advanceDeducted', 'finalDue', 'finalPaid', 'paidLate', 'outstanding', 'overdueOutstanding', 'refundedToCertificates'] as const
const figures = z.object(Object.fromEntries(FIELDS.map((f) => [f, amountOut])) as Record<(typeof FIELDS)[number], typeof amountOut>)

export const reconciliationRoutes: FastifyPluginAsync<{ reader: ProjectionReader }> = async (app, { reader }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/reconciliation',
    {
      config: { roles: ['operator', 'payer', 'auditor', 'reporting'] },
      schema: {
        summary: "The payer's month per provider: invoiced (advance, final), paid, outstanding, paid late, refunds to certificates",
        description: 'With `on`, amounts still unpaid after their deadline (the 10th) on that date are shown as overdue. A payer sees its own invoices.',
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
      const caller = callerOf(request)
      const position = await currentTo(reader, reply, ['provider-invoices'], minPosition)
      const r = await reader.reconciliation(municipality, m, caller.role === 'payer' ? caller.payerId : null, on ?? null)
      if (request.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="reconciliation-${municipality}-${m}.csv"`)
          .send(reconciliationCsv(r.providers as never, r.totals as never) as never)
      }
      if (request.query.format === 'xlsx') {
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="reconciliation-${municipality}-${m}.xlsx"`)
          .send((await reconciliationXlsx(`Сверка расчётов с поставщиками: ${municipality}, ${m}`, r.providers as never, r.totals as never)) as never)
      }
      const asMoney = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, (FIELDS as readonly string[]).includes(k) ? money(v as number) : v]))
      return { ...r, providers: r.providers.map(asMoney) as never, totals: asMoney(r.totals) as never, position }
    },
  )

  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/invoices/:invoiceId/document',
    {
      config: { roles: ['operator', 'payer', 'provider', 'auditor', 'reporting'] },
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
      const invoice = await reader.invoice(request.params.invoiceId)
      if (!invoice) throw new ProblemError(404, 'invoice_not_found', 'Not found', `no invoice ${request.params.invoiceId}`)
      requireProviderScope(request, String(invoice.provider_id))
      requirePayerScope(request, String(invoice.payer_id))
      return reply.type('text/plain; charset=utf-8').send(invoiceDocument(invoice as never))
    },
  )
}
