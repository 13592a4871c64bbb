import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Application } from '../../app/context.ts'
import { openGroup } from '../../app/registry.ts'
import { commandContext, sendOutcome } from '../commands.ts'
import { amount, commandHeaders, count, date, id, LIMITS, outcome } from '../schemas.ts'

export const groupRoutes: FastifyPluginAsync<{ ledger: Application }> = async (app, { ledger }) => {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/groups',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Open a group of a programme: teaching period, price and normative cost for the period, capacity',
        description:
          'The price may not exceed 150 % of the normative cost (price_above_limit). Only the operator opens groups: the ' +
          "normative cost is the authority's figure, and it caps what a certificate pays.",
        tags: ['groups'],
        security: [{ bearer: [] }],
        headers: commandHeaders,
        body: z.strictObject({
          groupId: id,
          programmeId: id,
          startDate: date,
          endDate: date,
          price: amount,
          normativeCost: amount,
          capacity: count(LIMITS.groupCapacity).positive(),
        }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await openGroup(ledger, commandContext(request), request.body)
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )
}
