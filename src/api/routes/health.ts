import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { stoppedProjections } from '../../../projections/runner.ts'
import type { Database } from '../../db/database.ts'
import { pendingMigrations } from '../../db/migrate.ts'
import { ProblemError } from '../problem.ts'

/** How long `/ready` waits for the database before it answers 503: a probe must get an answer, not hang. */
const READY_TIMEOUT_MS = 1000

export const healthRoutes: FastifyPluginAsync<{ db: Database; readyTimeoutMs?: number }> = async (app, { db, readyTimeoutMs = READY_TIMEOUT_MS }) => {
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
        summary: 'Readiness: the database answers, every migration is applied and no read model is stopped at an event it cannot apply',
        tags: ['operations'],
        response: { 200: z.object({ status: z.literal('ready'), database: z.enum(['server', 'embedded']) }) },
      },
    },
    async () => {
      let pending: string[]
      let stopped: Awaited<ReturnType<typeof stoppedProjections>>
      let timer: NodeJS.Timeout | undefined
      try {
        // Every question to the database within the one timeout.
        const check = (async () => {
          const pending = await pendingMigrations(db.sql)
          return { pending, stopped: pending.length > 0 ? [] : await stoppedProjections(db.sql) }
        })()
        check.catch(() => {}) // still running when the timeout answers; its failure then concerns nobody
        ;({ pending, stopped } = await Promise.race([
          check,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${readyTimeoutMs} ms`)), readyTimeoutMs)
          }),
        ]))
      } catch (error) {
        throw new ProblemError(503, 'not_ready', 'Not ready', `the database does not answer: ${(error as Error).message}`)
      } finally {
        clearTimeout(timer)
      }
      if (pending.length > 0) {
        throw new ProblemError(503, 'not_ready', 'Not ready', `migrations not applied: ${pending.join(', ')}`)
      }
      // A read model stopped at an event it cannot apply answers ever more out of date: not ready, naming it.
      if (stopped.length > 0) {
        const f = stopped[0]!
        throw new ProblemError(
          503,
          'projection_stopped',
          'Not ready',
          `projection ${f.name} stopped at event ${f.globalPosition} (${f.eventType} ${f.eventId} of ${f.streamId}): ${f.error}`,
          {
            projections: stopped.map((s) => ({
              name: s.name,
              globalPosition: s.globalPosition,
              eventId: s.eventId,
              eventType: s.eventType,
              streamId: s.streamId,
              error: s.error,
              since: s.since,
              attempts: s.attempts,
            })),
          },
        )
      }
      return { status: 'ready' as const, database: db.kind }
    },
  )
}
