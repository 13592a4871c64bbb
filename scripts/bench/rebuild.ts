// rebuild: events/s for rebuilding every projection from the log (as `ledger projections rebuild` does: in one
// pass over the log, each into a new generation, readers switched at the end), against a plain read of the same
// rows in the same order through a cursor.
import { PROJECTIONS } from '../../projections/index.ts'
import { rebuildProjections } from '../../projections/runner.ts'
import type { Database } from '../../src/db/database.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { ratio } from './append.ts'
import { round2, seconds } from './measure.ts'

export interface RebuildReport {
  /** Events in the log, each read and applied once per projection. */
  events: number
  /** events / seconds to rebuild every projection. */
  eventsPerSecond: number
  /** events / seconds of the cursor read. */
  rawPerSecond: number
  ratio: number
  seconds: number
  rawSeconds: number
  /** Seconds per projection. */
  /** The projections rebuilt together. */
  projections: string[]
}

const BATCH = 5000

export async function measureRebuild(db: Database, options: { onProgress?: (text: string) => void } = {}): Promise<RebuildReport> {
  const sql = db.sql
  options.onProgress?.('rebuild: cursor read of the log')
  const rawStarted = performance.now()
  let rawRows = 0
  const cursor = sql`
    SELECT global_position, stream_id, stream_position, event_id, type, schema_version, data, metadata, recorded_at, transaction_id, prev_hash, hash
    FROM ledger.events ORDER BY transaction_id, global_position`.cursor(BATCH)
  for await (const rows of cursor) rawRows += rows.length
  const rawSeconds = seconds(rawStarted)

  const store = new PostgresEventStore(sql)
  const projections = PROJECTIONS.map((p) => p.name)
  const started = performance.now()
  let events = 0
  // Every projection in one pass over the log, as `ledger projections rebuild` does.
  const results = await rebuildProjections(sql, store, PROJECTIONS, {
    batchSize: BATCH,
    onProgress: (n) => options.onProgress?.(`rebuild: ${n} of ${rawRows} events`),
  })
  events = results[0]?.events ?? 0
  const total = seconds(started)
  const eventsPerSecond = Math.round(events / total)
  const rawPerSecond = Math.round(rawRows / rawSeconds)
  return {
    events,
    eventsPerSecond,
    rawPerSecond,
    ratio: ratio(eventsPerSecond, rawPerSecond),
    seconds: round2(total),
    rawSeconds: round2(rawSeconds),
    projections,
  }
}
