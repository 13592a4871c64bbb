import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Application } from '../../app/context.ts'
import { concludeAgreement, registerProvider } from '../../app/registry.ts'
import { requirePayerScope } from '../auth.ts'
import { commandContext, sendOutcome } from '../commands.ts'
import { commandHeaders, date, id, outcome } from '../schemas.ts'

export const providerRoutes: FastifyPluginAsync<{ ledger: Application }> = async (app, { ledger }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.post(
    '/v1/providers',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Register an education provider',
        tags: ['providers'],
        security: [{ bearer: [] }],
        headers: commandHeaders,
        body: z.object({
          providerId: id,
          municipality: id,
          name: z.string().min(1).max(300),
          kind: z.enum(['municipal', 'private', 'individual-entrepreneur']),
        }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await registerProvider(ledger, commandContext(request), request.body)
      return sendOutcome(reply, 201, result, result)
    },
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
        body: z.object({ payerId: id, periodId: id, concludedOn: date }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      requirePayerScope(request, request.body.payerId)
      const result = await concludeAgreement(ledger, commandContext(request), { providerId: request.params.providerId, ...request.body })
      return sendOutcome(reply, 201, result, result)
    },
  )
}
