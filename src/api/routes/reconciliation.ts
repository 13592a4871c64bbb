import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ProjectionReader } from '../../../projections/read.ts'
import { callerOf } from '../auth.ts'
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
        querystring: z.object({ municipality: id, month, on: date.optional(), ...readQuery }),
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
      const position = await currentTo(reader, request, reply, ['provider-invoices'], minPosition)
      const r = await reader.reconciliation(municipality, m, caller.role === 'payer' ? caller.payerId : null, on ?? null)
      const asMoney = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, (FIELDS as readonly string[]).includes(k) ? money(v as number) : v]))
      return { ...r, providers: r.providers.map(asMoney) as never, totals: asMoney(r.totals) as never, position }
    },
  )
}
