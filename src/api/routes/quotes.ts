import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { quoteContract } from '../../domain/pricing.ts'
import { quoteToText } from '../../domain/quote-request.ts'
import { ALL_ROLES } from '../auth.ts'
import { amount, amountOut, date } from '../schemas.ts'

export const quoteRoutes: FastifyPluginAsync = async (app) => {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/quotes',
    {
      config: { roles: ALL_ROLES },
      schema: {
        summary: 'The exact quote of a contract (domain.md pricing); records nothing',
        tags: ['contracts'],
        security: [{ bearer: [] }],
        body: z.strictObject({ groupStart: date, groupEnd: date, start: date, end: date.optional(), price: amount, normative: amount, balance: amount }),
        response: {
          200: z.object({
            days: z.number().int(),
            months: z.number().int(),
            all: amountOut,
            normative: amountOut,
            certificate: amountOut,
            parent: amountOut,
            certificateFirstMonth: amountOut,
            certificateOtherMonth: amountOut,
            parentFirstMonth: amountOut,
            parentOtherMonth: amountOut,
          }),
        },
      },
    },
    async (request) => quoteToText(quoteContract(request.body)),
  )
}
