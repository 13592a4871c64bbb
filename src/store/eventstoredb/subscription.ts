import { compareLogPositions, LOG_START, type LogPosition, type RecordedEvent, type Subscription, type SubscriptionOptions } from '../port.ts'

export interface EventSource {
  /** Ledger events in `$all` order, system events already left out; ends or throws when the server drops it. */
  events: AsyncIterable<RecordedEvent>
  close(): Promise<void>
}

const positionOf = (e: RecordedEvent): LogPosition => ({ transactionId: e.transactionId, globalPosition: e.globalPosition })

/**
 * The port's catch-up subscription over a pushed stream of events (EventStoreDB's subscription to `$all`): events
 * are gathered into batches of at most `batchSize`, a batch is handed over once it is full or no further event
 * arrived for a moment, and the next batch waits until the handler resolved. Events at or before the start
 * position are dropped, so a server that repeats its starting event delivers nothing twice.
 */
export function batchSubscription(open: (from: LogPosition) => EventSource, options: SubscriptionOptions): Subscription {
  const batchSize = options.batchSize ?? 500
  // A short wait gathers the events of one append (or a burst) into one batch without delaying a quiet log.
  const flushMs = Math.min(options.idleMs ?? 200, 25)
  let position = options.from ?? LOG_START
  let stopped = false
  let signalStop: () => void = () => {}
  const stopping = new Promise<'stop'>((resolve) => {
    signalStop = () => resolve('stop')
  })

  const source = open(position)
  const iterator = source.events[Symbol.asyncIterator]()

  const loop = async () => {
    let lastSeen = position
    let batch: RecordedEvent[] = []
    let pending: Promise<IteratorResult<RecordedEvent>> | null = null
    const flush = async () => {
      if (batch.length === 0) return
      const handed = batch
      batch = []
      const at = positionOf(handed[handed.length - 1]!)
      await options.onEvents(handed, at)
      position = at
    }
    while (!stopped) {
      if (!pending) {
        pending = iterator.next()
        pending.catch(() => {}) // observed below; never an unhandled rejection when stopped meanwhile
      }
      let timer: NodeJS.Timeout | undefined
      const contenders: Promise<IteratorResult<RecordedEvent> | 'stop' | 'flush'>[] = [pending, stopping]
      if (batch.length > 0) contenders.push(new Promise((resolve) => (timer = setTimeout(() => resolve('flush'), flushMs))))
      const next = await Promise.race(contenders).finally(() => clearTimeout(timer))
      if (next === 'stop') break
      if (next === 'flush') {
        await flush()
        continue
      }
      pending = null
      if (next.done) break
      const e = next.value
      if (compareLogPositions(positionOf(e), lastSeen) <= 0) continue
      lastSeen = positionOf(e)
      batch.push(e)
      if (batch.length >= batchSize) await flush()
    }
    if (!stopped) await flush()
  }
  const done = loop().finally(() => source.close())
  done.catch(() => {}) // observed through `done` and `stop`

  return {
    done,
    get position() {
      return position
    },
    async stop() {
      stopped = true
      signalStop()
      await done
    },
  }
}
