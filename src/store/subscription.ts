import { LOG_START, type LogPosition, type ReadAllResult, type Subscription, type SubscriptionOptions } from './port.ts'

/**
 * A catch-up subscription built on batched reads of the global log: read a batch, hand it over, and once
 * caught up wait `idleMs` before asking again. Polling works the same on a server and on PGlite, where
 * LISTEN/NOTIFY does not cross connections.
 */
export function pollSubscription(read: (after: LogPosition, limit: number) => Promise<ReadAllResult>, options: SubscriptionOptions): Subscription {
  const batchSize = options.batchSize ?? 500
  const idleMs = options.idleMs ?? 200
  let position = options.from ?? LOG_START
  let stopped = false
  let wake: (() => void) | null = null

  const loop = async () => {
    while (!stopped) {
      const batch = await read(position, batchSize)
      if (stopped) break
      if (batch.events.length > 0) {
        await options.onEvents(batch.events, batch.position)
        position = batch.position
      }
      if (batch.caughtUp && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idleMs)
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
        wake = null
      }
    }
  }
  const done = loop()
  done.catch(() => {}) // observed through `done` and `stop`; never an unhandled rejection

  return {
    done,
    get position() {
      return position
    },
    async stop() {
      stopped = true
      wake?.()
      await done
    },
  }
}
