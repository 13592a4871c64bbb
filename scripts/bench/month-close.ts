// month close: seconds to close October for a municipality whose N financing contracts are all accepted and
// running, with the close's lister (ProjectionReader.openContractIds) over a contracts projection that already
// caught up, on a fresh application (no stream cached), as `ledger settle` would run it.
import { contracts as contractsProjection } from '../../projections/contracts/index.ts'
import { ProjectionReader } from '../../projections/read.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { Application, systemMetadata } from '../../src/app/context.ts'
import { closeMonth, type MonthCloseOutcome } from '../../src/app/month-close.ts'
import type { Database } from '../../src/db/database.ts'
import type { EventStore } from '../../src/store/port.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { seconds } from './measure.ts'
import { CLOSE_MONTH, CLOSED_ON, seedWorld, type World } from './world.ts'

export interface MonthCloseRun {
  contracts: number
  /** Setting the municipality up (staged commands, flushed through the port). */
  setupSeconds: number
  /** Bringing the contracts projection up to the log before the close. */
  catchUpSeconds: number
  closeSeconds: number
  outcome: MonthCloseOutcome
  world: World
  /** Calls the close made to the event store, and the seconds spent in them. */
  storeCalls: Record<string, { calls: number; seconds: number }>
  /** The close's input read raw: every event of the streams it folded, a thousand streams a query, rows decoded by the driver. */
  rawRead: { streams: number; events: number; seconds: number }
}

/** Counts and times the calls of the close to the store: where its time goes. */
class CountingStore implements EventStore {
  private readonly calls: Record<string, { calls: number; ms: number }> = {}
  /** The streams the close folded. */
  readonly folded = new Set<string>()
  constructor(private readonly inner: EventStore) {}
  private async timed<T>(name: string, work: () => Promise<T>): Promise<T> {
    const t0 = performance.now()
    try {
      return await work()
    } finally {
      const c = (this.calls[name] ??= { calls: 0, ms: 0 })
      c.calls++
      c.ms += performance.now() - t0
    }
  }
  append: EventStore['append'] = (...a) => this.timed('append', () => this.inner.append(...a))
  readStream: EventStore['readStream'] = (...a) => this.timed('readStream', () => this.inner.readStream(...a))
  readStreamToFold: EventStore['readStreamToFold'] = (...a) => {
    this.folded.add(a[0])
    return this.timed('readStreamToFold', () => this.inner.readStreamToFold(...a))
  }
  streamVersion: EventStore['streamVersion'] = (...a) => this.timed('streamVersion', () => this.inner.streamVersion(...a))
  readAll: EventStore['readAll'] = (...a) => this.timed('readAll', () => this.inner.readAll(...a))
  readTouching: EventStore['readTouching'] = (...a) => this.timed('readTouching', () => this.inner.readTouching(...a))
  positionOf: EventStore['positionOf'] = (...a) => this.timed('positionOf', () => this.inner.positionOf(...a))
  countAfter: EventStore['countAfter'] = (...a) => this.timed('countAfter', () => this.inner.countAfter(...a))
  subscribeToAll: EventStore['subscribeToAll'] = (o) => this.inner.subscribeToAll(o)
  report() {
    return Object.fromEntries(Object.entries(this.calls).map(([k, v]) => [k, { calls: v.calls, seconds: Math.round(v.ms) / 1000 }]))
  }
}

export async function monthCloseRun(
  db: Database,
  options: { municipality: string; prefix: string; contracts: number; concurrency: number; onProgress?: (text: string) => void },
): Promise<MonthCloseRun> {
  const store = new PostgresEventStore(db.sql)
  const world = await seedWorld(store, {
    municipality: options.municipality,
    prefix: options.prefix,
    certificates: options.contracts,
    contracts: options.contracts,
    concurrency: options.concurrency,
    onProgress: (done, total) => options.onProgress?.(`month close: setting up ${options.municipality}, ${done} of ${total} contracts`),
  })
  options.onProgress?.(`month close: the contracts projection catches up with ${world.events} events`)
  const caughtUp = performance.now()
  const reader = new ProjectionReader(db.sql, store)
  await new ProjectionRunner(db.sql, store, [contractsProjection]).catchUp()
  const catchUpSeconds = seconds(caughtUp)
  options.onProgress?.(`month close: closing ${CLOSE_MONTH} with ${options.contracts} contracts`)
  const counted = new CountingStore(store)
  const app = new Application(counted)
  const started = performance.now()
  const outcome = await closeMonth(
    app,
    { metadata: systemMetadata('bench', `bench-close-${options.municipality}`) },
    { municipality: options.municipality, month: CLOSE_MONTH, closedOn: CLOSED_ON },
    (m) => reader.contracts.openIds(m),
  )
  const closeSeconds = seconds(started)
  const rawRead = await readRaw(db, [...counted.folded])
  return { contracts: options.contracts, setupSeconds: world.seconds, catchUpSeconds, closeSeconds, outcome, world, storeCalls: counted.report(), rawRead }
}

/**
 * The floor under the close: the events of the streams it folded, read with no decoding beyond the driver's, no
 * fold, no decision and no write. A close that reads every stream it settles cannot be faster than this.
 */
async function readRaw(db: Database, streamIds: string[]) {
  const started = performance.now()
  let events = 0
  for (let i = 0; i < streamIds.length; i += 1000) {
    const rows =
      await db.sql`SELECT stream_position, type, data FROM ledger.events WHERE stream_id = ANY(${streamIds.slice(i, i + 1000)}) ORDER BY stream_id, stream_position`
    events += rows.length
  }
  return { streams: streamIds.length, events, seconds: seconds(started) }
}
