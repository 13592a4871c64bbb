import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { actorOf, ROLES } from '../../auth/tokens.ts'
import { ALL_ROLES, callerOf } from '../auth.ts'

export const whoamiRoutes: FastifyPluginAsync = async (app) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/whoami',
    {
      config: { roles: ALL_ROLES },
      schema: {
        summary: 'The caller behind the bearer token, as it is written into the events it causes',
        tags: ['access'],
        security: [{ bearer: [] }],
        response: {
          200: z.object({
            actor: z.string(),
            role: z.enum(ROLES),
            providerId: z.string().nullable(),
            payerId: z.string().nullable(),
            label: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const caller = callerOf(request)
      return { actor: actorOf(caller), role: caller.role, providerId: caller.providerId, payerId: caller.payerId, label: caller.label }
    },
  )
}
