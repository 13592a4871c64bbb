import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Database } from '../../db/database.ts'
import { pendingMigrations } from '../../db/migrate.ts'
import { ProblemError } from '../problem.ts'

export const healthRoutes: FastifyPluginAsync<{ db: Database }> = async (app, { db }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.get(
    '/health',
    {
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['operations'],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )
  r.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: the database answers and every migration is applied',
        tags: ['operations'],
        response: { 200: z.object({ status: z.literal('ready'), database: z.enum(['server', 'embedded']) }) },
      },
    },
    async () => {
      let pending: string[]
      try {
        pending = await pendingMigrations(db.sql)
      } catch (error) {
        throw new ProblemError(503, 'not_ready', 'Not ready', `the database does not answer: ${(error as Error).message}`)
      }
      if (pending.length > 0) {
        throw new ProblemError(503, 'not_ready', 'Not ready', `migrations not applied: ${pending.join(', ')}`)
      }
      return { status: 'ready' as const, database: db.kind }
    },
  )
}
