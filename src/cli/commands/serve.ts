import { parseArgs } from 'node:util'
import { PROJECTIONS } from '../../../projections/index.ts'
import { ProjectionRunner } from '../../../projections/runner.ts'
import { buildServer } from '../../api/server.ts'
import { driverPatched } from '../../db/database.ts'
import { checkpointPolicy, signingKeyOf } from '../../transparency/keys.ts'
import { TransparencyLog } from '../../transparency/service.ts'
import { TreeFollower } from '../../transparency/tree.ts'
import { openRuntime, type Runtime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

export async function serveCommand(args: string[]): Promise<void> {
  try {
    parseArgs({ args, options: {}, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  await serveUntilSignal(await openRuntime({ create: true }))
}

/**
 * Runs the API until SIGTERM or SIGINT, then stops taking requests, lets the running ones finish, closes the
 * database and returns. Closes the runtime in every case.
 */
export async function serveUntilSignal(runtime: Runtime, onListening?: (url: string) => void): Promise<void> {
  const runner = new ProjectionRunner(runtime.db.sql, runtime.store, PROJECTIONS)
  // The transparency log's key: without one on an external database, serve stops here with one line.
  let signing: ReturnType<typeof signingKeyOf>
  try {
    signing = signingKeyOf(runtime.config, { create: true })
  } catch (error) {
    await runtime.close()
    throw error
  }
  const policy = checkpointPolicy(runtime.config, signing.key)
  const follower = new TreeFollower(runtime.db.sql, runtime.store, { checkpoints: policy })
  const log = new TransparencyLog(runtime.db.sql, signing.key.verifier, policy.origin, follower, policy)
  const app = await buildServer({
    db: runtime.db,
    store: runtime.store,
    ledger: runtime.ledger,
    // Commands poke the projections only: the tree's follower takes what accumulated every idleMs (proofs catch it up
    // on demand), and a poke per command would have it step per command, beside the writers, under load.
    runner,
    transparency: { log, public: runtime.config.TRANSPARENCY_PUBLIC },
    timeZone: runtime.config.LEDGER_TIME_ZONE,
    logger: { level: runtime.config.LOG_LEVEL },
    rateLimits: { authFailuresPerMinute: runtime.config.RATE_LIMIT_AUTH_FAILURES, requestsPerTokenPerMinute: runtime.config.RATE_LIMIT_PER_TOKEN },
    bodyLimit: runtime.config.BODY_LIMIT,
    publicDocs: runtime.config.PUBLIC_DOCS,
    trustProxy: runtime.config.TRUST_PROXY,
    web: { secureCookies: runtime.config.WEB_SECURE_COOKIES, sessionMinutes: runtime.config.WEB_SESSION_MINUTES },
  }).catch(async (error) => {
    await runtime.close()
    throw error
  })
  if (runtime.db.kind === 'server' && !driverPatched()) {
    app.log.warn(
      'the PostgreSQL driver is not patched (npm ci --ignore-scripts?): a database restart can kill this process; run node scripts/patch-postgres.mjs',
    )
  }
  let stopping: Promise<void> | null = null
  const stop = (signal: string) => {
    stopping ??= (async () => {
      app.log.info({ signal }, 'shutting down')
      await app.close()
      await runner.stop()
      await follower.stop()
      await runtime.close()
      app.log.info('stopped')
    })()
    return stopping
  }
  const stopped = new Promise<void>((resolve, reject) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => stop(signal).then(resolve, reject))
    }
  })
  let url: string
  try {
    url = await app.listen({ host: runtime.config.HOST, port: runtime.config.PORT })
  } catch (error) {
    await runtime.close()
    throw error
  }
  runner.start((error) => app.log.error({ err: error }, 'projection runner failed; retrying'))
  follower.start((error) => app.log.error({ err: error }, 'transparency log follower failed; retrying'))
  const keyMessage = signing.created
    ? `created the transparency log's signing key${signing.created === 'memory' ? ' (in memory)' : ` ${signing.created}`}`
    : 'transparency log'
  app.log.info({ origin: policy.origin, verifierKey: signing.key.verifier.text }, keyMessage)
  onListening?.(url)
  await stopped
}
