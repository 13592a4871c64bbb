import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Application } from '../../app/context.ts'
import { organisationCard as cardOf } from '../../app/organisations.ts'
import { changeRequisites, registerPayer } from '../../app/registry.ts'
import { callerOf } from '../auth.ts'
import { commandContext, sendOutcome } from '../commands.ts'
import { commandHeaders, date, id, outcome } from '../schemas.ts'
import { organisationCard, requisitesChangeBody, requisitesInput } from './organisation-schemas.ts'

export const payerRoutes: FastifyPluginAsync<{ ledger: Application }> = async (app, { ledger }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.post(
    '/v1/payers',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Register a payer (the body that pays the providers’ invoices), with its requisites or its name alone',
        description:
          'A financing period may name a payer before it is registered. Requisites are checked (ИНН, ОГРН, the accounts against the БИК, КПП): a bad one is a 422 `requisites_invalid` naming the field.',
        tags: ['payers'],
        security: [{ bearer: [] }],
        headers: commandHeaders,
        body: z.strictObject({ payerId: id, municipality: id, name: z.string().min(1).max(300), requisites: requisitesInput.optional() }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await registerPayer(ledger, commandContext(request), request.body)
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )
  r.post(
    '/v1/payers/:payerId/requisites',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: "Change a payer's requisites from a date (the fields given; null removes one)",
        tags: ['payers'],
        security: [{ bearer: [] }],
        params: z.object({ payerId: id }),
        headers: commandHeaders,
        body: requisitesChangeBody,
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const { payerId } = request.params
      const result = await changeRequisites(ledger, commandContext(request), { kind: 'payer', organisationId: payerId, ...request.body })
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )
  r.get(
    '/v1/payers/:payerId',
    {
      config: { roles: ['operator', 'payer', 'provider', 'auditor', 'reporting'] },
      schema: {
        summary: 'A registered payer with its requisites in force on a business date',
        description: 'A payer reads itself only; a provider reads any payer (what it prints on its invoices).',
        tags: ['payers'],
        security: [{ bearer: [] }],
        params: z.object({ payerId: id }),
        querystring: z.strictObject({ on: date.optional().describe('the business date; by default the latest requisites recorded') }),
        response: { 200: organisationCard },
      },
    },
    async (request) => cardOf(ledger, callerOf(request), 'payer', request.params.payerId, request.query.on ?? null),
  )
}
