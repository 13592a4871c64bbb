// append: events/s through the event store port, one event per append, `writers` concurrent writers each on its
// own streams, against plain single-row INSERTs of the same rows into a table of the same shape as ledger.events,
// with the same concurrency. Raw and port alternate in two rounds so drift of a noisy machine hits both alike.
import crypto from 'node:crypto'
import type { Database } from '../../src/db/database.ts'
import { eventHash, GENESIS_HASH } from '../../src/store/hash.ts'
import type { NewEvent } from '../../src/store/port.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { percentile, type Run, rate, timedLoops } from './measure.ts'

const EVENTS_PER_STREAM = 100

/** The i-th event of a writer: a realistic payload (a place taken in a group), a fresh id. */
export function benchEvent(writer: number, i: number): NewEvent {
  return {
    eventId: crypto.randomUUID(),
    type: 'GroupPlaceTaken',
    schemaVersion: 1,
    data: { groupId: `bench-group-${writer}`, contractId: crypto.randomUUID(), certificateNumber: `B${String(writer * 1e6 + i).padStart(9, '0')}` },
    metadata: { actor: 'system:bench', correlationId: crypto.randomUUID(), causationId: null, idempotencyKey: null },
  }
}

export const streamOf = (tag: string, writer: number, i: number) => `bench-${tag}-w${writer}-s${Math.floor(i / EVENTS_PER_STREAM)}`

/** Port appends for `durationSeconds`: writer w's i-th event goes to its stream at position i mod 100. */
export function portAppends(db: Database, tag: string, writers: number, durationSeconds: number): Promise<Run> {
  const store = new PostgresEventStore(db.sql)
  return timedLoops(writers, durationSeconds, async (w, i) => {
    const position = i % EVENTS_PER_STREAM
    await store.append(streamOf(tag, w, i), [benchEvent(w, i)], { expectedVersion: position === 0 ? 'no_stream' : position - 1 })
  })
}

/** Single-row INSERTs of the same rows (same columns, hash chain computed alike) into `bench.raw_events`. */
function rawInserts(db: Database, tag: string, writers: number, durationSeconds: number): Promise<Run> {
  const sql = db.sql
  const prev = new Map<number, string>()
  return timedLoops(writers, durationSeconds, async (w, i) => {
    const e = benchEvent(w, i)
    const streamId = streamOf(tag, w, i)
    const streamPosition = i % EVENTS_PER_STREAM
    const prevHash = streamPosition === 0 ? GENESIS_HASH : prev.get(w)!
    const recordedAt = new Date()
    const hash = eventHash({ ...e, streamId, streamPosition, prevHash, recordedAt })
    prev.set(w, hash)
    await sql`
      INSERT INTO bench.raw_events (stream_id, stream_position, event_id, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
      VALUES (${streamId}, ${streamPosition}, ${e.eventId}, ${e.type}, ${e.schemaVersion}, ${sql.json(e.data as never)}, ${sql.json(e.metadata as never)},
        ${recordedAt}, ${prevHash}, ${hash})`
  })
}

/** The raw table: the columns, defaults, constraints and indexes of ledger.events (LIKE … INCLUDING ALL). */
async function createRawTable(db: Database): Promise<void> {
  await db.sql.unsafe('CREATE SCHEMA IF NOT EXISTS bench')
  await db.sql.unsafe('CREATE TABLE bench.raw_events (LIKE ledger.events INCLUDING ALL)')
}

function combine(runs: Run[]): Run {
  return {
    operations: runs.reduce((s, r) => s + r.operations, 0),
    seconds: runs.reduce((s, r) => s + r.seconds, 0),
    latencies: runs.flatMap((r) => r.latencies),
  }
}

export interface AppendReport {
  eventsPerSecond: number
  rawPerSecond: number
  ratio: number
  writers: number
  events: number
  rawEvents: number
  seconds: number
  p50Ms: number
  p99Ms: number
  rawP50Ms: number
  rawP99Ms: number
}

export async function measureAppend(db: Database, options: { writers: number; seconds: number; onProgress?: (text: string) => void }): Promise<AppendReport> {
  await createRawTable(db)
  const half = options.seconds / 2
  const raw: Run[] = []
  const port: Run[] = []
  for (let round = 1; round <= 2; round++) {
    options.onProgress?.(`append: raw INSERTs, round ${round} of 2`)
    raw.push(await rawInserts(db, `r${round}`, options.writers, half))
    options.onProgress?.(`append: port appends, round ${round} of 2`)
    port.push(await portAppends(db, `p${round}`, options.writers, half))
  }
  const r = combine(raw)
  const p = combine(port)
  const eventsPerSecond = rate(p)
  const rawPerSecond = rate(r)
  return {
    eventsPerSecond,
    rawPerSecond,
    ratio: ratio(eventsPerSecond, rawPerSecond),
    writers: options.writers,
    events: p.operations,
    rawEvents: r.operations,
    seconds: options.seconds,
    p50Ms: percentile(p.latencies, 50),
    p99Ms: percentile(p.latencies, 99),
    rawP50Ms: percentile(r.latencies, 50),
    rawP99Ms: percentile(r.latencies, 99),
  }
}

/** a / b to four decimals; 0 when b is 0. */
export const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10000) / 10000 : 0)
