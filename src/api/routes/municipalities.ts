import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Application } from '../../app/context.ts'
import { openFinancingPeriod, recordPopulation } from '../../app/registry.ts'
import { commandContext, sendOutcome } from '../commands.ts'
import { amount, commandHeaders, date, id, outcome } from '../schemas.ts'

export const municipalityRoutes: FastifyPluginAsync<{ ledger: Application }> = async (app, { ledger }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.post(
    '/v1/municipalities/:municipality/periods',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Open a financing period: nominal, cap on financing certificates, optional limit on the sum of nominals',
        tags: ['municipalities'],
        security: [{ bearer: [] }],
        params: z.object({ municipality: id }),
        headers: commandHeaders,
        body: z.object({
          periodId: id,
          startDate: date,
          endDate: date,
          nominal: amount,
          financingCap: z.number().int().min(0),
          nominalLimit: amount.nullable().default(null),
          payerId: id,
        }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await openFinancingPeriod(ledger, commandContext(request), { municipality: request.params.municipality, ...request.body })
      return sendOutcome(reply, 201, result, result)
    },
  )
  r.post(
    '/v1/municipalities/:municipality/population',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Record the resident population aged 5–18 for a year (the denominator of coverage)',
        tags: ['municipalities'],
        security: [{ bearer: [] }],
        params: z.object({ municipality: id }),
        headers: commandHeaders,
        body: z.object({ year: z.number().int().min(2000).max(2100), children5to18: z.number().int().positive() }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await recordPopulation(ledger, commandContext(request), { municipality: request.params.municipality, ...request.body })
      return sendOutcome(reply, 201, result, result)
    },
  )
}
