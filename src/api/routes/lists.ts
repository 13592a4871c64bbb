import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { listMunicipalities, listPayers } from '../../../projections/organisations/read.ts'
import type { ProjectionReader } from '../../../projections/read.ts'
import { payerFilter, providerFilter, requireReach } from '../../app/scope.ts'
import { callerOf } from '../auth.ts'
import { ProblemError } from '../problem.ts'
import { currentTo, readQuery, requireMunicipalityScope } from '../reads.ts'
import { amountOut, date, id, money, month } from '../schemas.ts'

// Lists the registry and the settlement lacked (issue 15): providers, payers, municipalities, payments of an invoice
// and of a month, invoices unpaid and overdue on a date. Whose rows a caller sees is decided in src/app/scope.ts.

const organisationItem = {
  municipality: z.string(),
  fullName: z.string().nullable(),
  shortName: z.string().nullable(),
  inn: z.string().nullable(),
  kpp: z.string().nullable(),
}
const listQuery = z.strictObject({
  municipality: id.optional(),
  on: date.optional().describe('requisites in force on this business date; by default the latest recorded'),
  ...readQuery,
})
const payment = z.object({
  paymentId: z.string(),
  invoiceId: z.string(),
  invoiceNumber: z.string(),
  kind: z.enum(['advance', 'final']),
  payerId: z.string(),
  payerName: z.string().nullable(),
  providerId: z.string(),
  providerName: z.string().nullable(),
  month: z.string().describe('the month the invoice is for'),
  amount: amountOut,
  paidOn: z.string(),
  paymentOrder: z.string(),
  overdue: z.boolean(),
  reversed: z.boolean(),
  reversedOn: z.string().nullable(),
})
const security = [{ bearer: [] }]

export const listRoutes: FastifyPluginAsync<{ reader: ProjectionReader }> = async (app, { reader }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  /** Adds the registered names of the payer and the provider an item names (null: not registered). */
  const named = async <T extends { payerId: string; providerId: string }>(items: T[]) => {
    const payers = await reader.organisations.names(
      'payer',
      items.map((i) => i.payerId),
    )
    const providers = await reader.organisations.names(
      'provider',
      items.map((i) => i.providerId),
    )
    return items.map((i) => ({ ...i, payerName: payers.get(i.payerId) ?? null, providerName: providers.get(i.providerId) ?? null }))
  }

  r.get(
    '/v1/providers',
    {
      config: { roles: ['operator', 'payer', 'provider', 'auditor', 'reporting'] },
      schema: {
        summary: 'The registered providers (of a municipality), with names, ИНН and КПП',
        description: 'A provider sees itself only.',
        tags: ['providers'],
        security,
        querystring: listQuery,
        response: {
          200: z.object({
            providers: z.array(z.object({ providerId: z.string(), name: z.string(), kind: z.string(), ...organisationItem })),
            position: z.string(),
          }),
        },
      },
    },
    async (request, reply) => {
      const position = await currentTo(reader, reply, ['organisations'], request.query.minPosition)
      const only = providerFilter(callerOf(request))
      const rows = await reader.organisations.list('provider', { municipality: request.query.municipality ?? null, only, on: request.query.on ?? null })
      return { providers: rows.map(({ id: providerId, providerKind, ...p }) => ({ providerId, kind: providerKind ?? '', ...p })), position }
    },
  )

  r.get(
    '/v1/payers',
    {
      config: { roles: ['operator', 'payer', 'provider', 'auditor', 'reporting'] },
      schema: {
        summary: 'The payers: registered ones and those a financing period names before they are registered',
        description: 'A payer sees itself only. `registered: false`: a period names the payer, the registry has no name or requisites for it yet.',
        tags: ['payers'],
        security,
        querystring: listQuery,
        response: {
          200: z.object({
            payers: z.array(
              z.object({
                payerId: z.string(),
                name: z.string().nullable(),
                registered: z.boolean(),
                periods: z.array(z.object({ municipality: z.string(), periodId: z.string() })),
                ...organisationItem,
              }),
            ),
            position: z.string(),
          }),
        },
      },
    },
    async (request, reply) => {
      const position = await currentTo(reader, reply, ['organisations', 'certificate-balances'], request.query.minPosition)
      const only = payerFilter(callerOf(request))
      const rows = await listPayers(reader, { municipality: request.query.municipality ?? null, only, on: request.query.on ?? null })
      return { payers: rows.map(({ id: payerId, ...p }) => ({ payerId, ...p })), position }
    },
  )

  r.get(
    '/v1/municipalities',
    {
      config: { roles: ['operator', 'payer', 'auditor', 'reporting'] },
      schema: {
        summary: 'The municipalities the ledger knows, with their financing periods and payers',
        description: 'A payer sees the municipalities whose periods it pays.',
        tags: ['municipalities'],
        security,
        querystring: z.strictObject(readQuery),
        response: {
          200: z.object({
            municipalities: z.array(
              z.object({
                municipality: z.string(),
                providers: z.number().int(),
                periods: z.array(z.object({ periodId: z.string(), startDate: z.string(), endDate: z.string(), payerId: z.string() })),
              }),
            ),
            position: z.string(),
          }),
        },
      },
    },
    async (request, reply) => {
      const position = await currentTo(reader, reply, ['organisations', 'certificate-balances'], request.query.minPosition)
      return { municipalities: await listMunicipalities(reader, payerFilter(callerOf(request))), position }
    },
  )

  r.get(
    '/v1/invoices/:invoiceId/payments',
    {
      config: { roles: ['operator', 'payer', 'provider', 'auditor', 'reporting'] },
      schema: {
        summary: 'The payments recorded on an invoice, reversed ones marked',
        tags: ['settlement'],
        security,
        params: z.object({ invoiceId: z.string().min(1).max(200) }),
        querystring: z.strictObject(readQuery),
        response: { 200: z.object({ invoiceId: z.string(), payments: z.array(payment), position: z.string() }) },
      },
    },
    async (request, reply) => {
      const position = await currentTo(reader, reply, ['provider-invoices', 'organisations'], request.query.minPosition)
      const invoice = await reader.invoices.document(request.params.invoiceId)
      if (!invoice) throw new ProblemError(404, 'invoice_not_found', 'Not found', `no invoice ${request.params.invoiceId}`)
      requireReach(callerOf(request), { kind: 'invoice', id: invoice.invoice_id, providerId: invoice.provider_id, payerId: invoice.payer_id })
      const payments = await named(await reader.invoiceLists.ofInvoice(request.params.invoiceId))
      return { invoiceId: request.params.invoiceId, payments: payments.map((p) => ({ ...p, amount: money(p.amount) })) as never, position }
    },
  )

  r.get(
    '/v1/municipalities/:municipality/payments',
    {
      config: { roles: ['operator', 'payer', 'auditor', 'reporting'] },
      schema: {
        summary: "The payments made in a calendar month on a municipality's invoices (a payer's own)",
        tags: ['settlement'],
        security,
        params: z.object({ municipality: id }),
        querystring: z.strictObject({ month, ...readQuery }),
        response: { 200: z.object({ municipality: z.string(), month: z.string(), payments: z.array(payment), total: amountOut, position: z.string() }) },
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      await requireMunicipalityScope(reader, request, municipality)
      const position = await currentTo(reader, reply, ['provider-invoices', 'organisations'], request.query.minPosition)
      const payments = await named(await reader.invoiceLists.paidInMonth(municipality, request.query.month, payerFilter(callerOf(request))))
      // Reversed payments are listed (the storno is part of the month's story) and count for nothing in the total.
      const total = payments.filter((p) => !p.reversed).reduce((sum, p) => sum + p.amount, 0)
      return {
        municipality,
        month: request.query.month,
        payments: payments.map((p) => ({ ...p, amount: money(p.amount) })) as never,
        total: money(total),
        position,
      }
    },
  )

  r.get(
    '/v1/municipalities/:municipality/unpaid-invoices',
    {
      config: { roles: ['operator', 'payer', 'auditor', 'reporting'] },
      schema: {
        summary: 'The invoices unpaid on a business date, and which of them are overdue (past the 10th they were due by)',
        description:
          'As the ledger knows them now: invoices issued by `on`, less payments made by `on` and not reversed by then; an advance deducted by its ' +
          "month's final invoice by then owes nothing. Deadline: the 10th of the month for an advance, of the next month for a final invoice.",
        tags: ['settlement'],
        security,
        params: z.object({ municipality: id }),
        querystring: z.strictObject({ on: date, overdue: z.enum(['true', 'false']).optional().describe('true: only the overdue ones'), ...readQuery }),
        response: {
          200: z.object({
            municipality: z.string(),
            on: z.string(),
            invoices: z.array(
              z.object({
                invoiceId: z.string(),
                number: z.string(),
                kind: z.enum(['advance', 'final']),
                payerId: z.string(),
                payerName: z.string().nullable(),
                providerId: z.string(),
                providerName: z.string().nullable(),
                month: z.string(),
                issuedOn: z.string(),
                amountDue: amountOut,
                paid: amountOut,
                outstanding: amountOut,
                deadline: z.string(),
                overdue: z.boolean(),
              }),
            ),
            outstanding: amountOut,
            overdueOutstanding: amountOut,
            position: z.string(),
          }),
        },
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      await requireMunicipalityScope(reader, request, municipality)
      const position = await currentTo(reader, reply, ['provider-invoices', 'organisations'], request.query.minPosition)
      const all = await named(await reader.invoiceLists.unpaidOn(municipality, request.query.on, payerFilter(callerOf(request))))
      const invoices = request.query.overdue === 'true' ? all.filter((i) => i.overdue) : all
      const sum = (xs: typeof invoices) => money(xs.reduce((s, i) => s + i.outstanding, 0))
      return {
        municipality,
        on: request.query.on,
        invoices: invoices.map((i) => ({ ...i, amountDue: money(i.amountDue), paid: money(i.paid), outstanding: money(i.outstanding) })) as never,
        outstanding: sum(invoices),
        overdueOutstanding: sum(invoices.filter((i) => i.overdue)),
        position,
      }
    },
  )
}
