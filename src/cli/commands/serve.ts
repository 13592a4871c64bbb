import { parseArgs } from 'node:util'
import { buildServer } from '../../api/server.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

/** Runs the API until SIGTERM or SIGINT, then stops taking requests, finishes the running ones and exits 0. */
export async function serveCommand(args: string[]): Promise<void> {
  try {
    parseArgs({ args, options: {}, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const runtime = await openRuntime()
  const app = await buildServer({
    db: runtime.db,
    store: runtime.store,
    logger: { level: runtime.config.LOG_LEVEL },
  })
  let stopping: Promise<void> | null = null
  const stop = (signal: string) => {
    stopping ??= (async () => {
      app.log.info({ signal }, 'shutting down')
      await app.close()
      await runtime.close()
      app.log.info('stopped')
    })()
    return stopping
  }
  try {
    await app.listen({ host: runtime.config.HOST, port: runtime.config.PORT })
  } catch (error) {
    await runtime.close()
    throw error
  }
  await new Promise<void>((resolve, reject) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => stop(signal).then(resolve, reject))
    }
  })
}
