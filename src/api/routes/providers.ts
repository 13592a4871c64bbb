import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ProjectionReader } from '../../../projections/read.ts'
import type { Application } from '../../app/context.ts'
import { organisationCard as cardOf } from '../../app/organisations.ts'
import { changeRequisites, claimAdvance, concludeAgreement, registerProvider } from '../../app/registry.ts'
import { payerFilter, requireReach } from '../../app/scope.ts'
import { callerOf } from '../auth.ts'
import { commandContext, sendOutcome } from '../commands.ts'
import { currentTo, readQuery } from '../reads.ts'
import { amountOut, commandHeaders, date, id, month, outcome } from '../schemas.ts'
import { organisationCard, requisitesChangeBody, requisitesInput } from './organisation-schemas.ts'

const invoiceView = z.object({
  invoiceId: z.string(),
  kind: z.enum(['advance', 'final']),
  number: z.string(),
  payerId: z.string(),
  payerName: z.string().nullable().describe('the registered name; null when the registry has none'),
  providerId: z.string(),
  providerName: z.string().nullable(),
  municipality: z.string(),
  month: z.string(),
  issuedOn: z.string(),
  total: amountOut,
  advanceDeducted: amountOut,
  amountDue: amountOut,
  amountPaid: amountOut,
  outstanding: amountOut,
  status: z.string(),
  lines: z.array(
    z.object({
      contractId: z.string(),
      month: z.string(),
      certificateNumber: z.string(),
      contractDate: z.string().nullable(),
      monthAmount: amountOut,
      completenessPercent: z.string(),
      lineAmount: amountOut,
    }),
  ),
})

export const providerRoutes: FastifyPluginAsync<{ ledger: Application; reader: ProjectionReader }> = async (app, { ledger, reader }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.post(
    '/v1/providers',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Register an education provider, with its requisites or its name alone',
        description: 'Requisites are checked (ИНН, ОГРН, the accounts against the БИК, КПП): a bad one is a 422 `requisites_invalid` naming the field.',
        tags: ['providers'],
        security: [{ bearer: [] }],
        headers: commandHeaders,
        body: z.strictObject({
          providerId: id,
          municipality: id,
          name: z.string().min(1).max(300),
          kind: z.enum(['municipal', 'private', 'individual-entrepreneur']),
          requisites: requisitesInput.optional(),
        }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await registerProvider(ledger, commandContext(request), request.body)
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )
  r.post(
    '/v1/providers/:providerId/requisites',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: "Change a provider's requisites from a date (the fields given; null removes one)",
        tags: ['providers'],
        security: [{ bearer: [] }],
        params: z.object({ providerId: id }),
        headers: commandHeaders,
        body: requisitesChangeBody,
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const { providerId } = request.params
      const result = await changeRequisites(ledger, commandContext(request), { kind: 'provider', organisationId: providerId, ...request.body })
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )
  r.get(
    '/v1/providers/:providerId',
    {
      config: { roles: ['operator', 'payer', 'provider', 'auditor', 'reporting'] },
      schema: {
        summary: 'A registered provider with its requisites in force on a business date',
        description: 'A provider reads itself only; a payer reads any provider.',
        tags: ['providers'],
        security: [{ bearer: [] }],
        params: z.object({ providerId: id }),
        querystring: z.strictObject({ on: date.optional().describe('the business date; by default the latest requisites recorded') }),
        response: { 200: organisationCard },
      },
    },
    async (request) => cardOf(ledger, callerOf(request), 'provider', request.params.providerId, request.query.on ?? null),
  )
  r.post(
    '/v1/providers/:providerId/agreements',
    {
      config: { roles: ['operator', 'payer'] },
      schema: {
        summary: "Conclude the provider's agreement with the period's payer (needed for financing contracts)",
        tags: ['providers'],
        security: [{ bearer: [] }],
        params: z.object({ providerId: id }),
        headers: commandHeaders,
        body: z.strictObject({ payerId: id, periodId: id, concludedOn: date }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await concludeAgreement(ledger, commandContext(request), { providerId: request.params.providerId, ...request.body })
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )

  r.get(
    '/v1/providers/:providerId/invoices',
    {
      config: { roles: ['operator', 'payer', 'provider', 'auditor', 'reporting'] },
      schema: {
        summary: "A provider's advance and final invoices with their lines, paid and outstanding amounts",
        description: 'A provider reads only its own invoices; a payer only the invoices addressed to it.',
        tags: ['providers'],
        security: [{ bearer: [] }],
        params: z.object({ providerId: id }),
        querystring: z.object({ month: month.optional(), ...readQuery }),
        response: { 200: z.object({ providerId: z.string(), month: z.string().nullable(), invoices: z.array(invoiceView), position: z.string() }) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request)
      requireReach(caller, { kind: 'provider', id: request.params.providerId })
      const position = await currentTo(reader, reply, ['provider-invoices', 'organisations'], request.query.minPosition)
      const found = await reader.invoices.ofProvider(request.params.providerId, request.query.month ?? null, payerFilter(caller))
      const payers = await reader.organisations.names(
        'payer',
        found.map((i) => i.payerId),
      )
      const providers = await reader.organisations.names('provider', [request.params.providerId])
      const invoices = found.map((i) => ({ ...i, payerName: payers.get(i.payerId) ?? null, providerName: providers.get(i.providerId) ?? null }))
      return { providerId: request.params.providerId, month: request.query.month ?? null, invoices: invoices as never, position }
    },
  )
  r.post(
    '/v1/providers/:providerId/advance-claims',
    {
      config: { roles: ['provider', 'operator'] },
      schema: {
        summary: 'Claim less than the 80 % advance of a month from a payer; the advance invoice issued at the previous month’s close follows it',
        tags: ['providers'],
        security: [{ bearer: [] }],
        params: z.object({ providerId: id }),
        headers: commandHeaders,
        body: z.strictObject({ payerId: id, month, percent: z.number().int().min(0).max(80), claimedOn: date }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await claimAdvance(ledger, commandContext(request), { providerId: request.params.providerId, ...request.body })
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )
}
