import type { Sql, TransactionSql } from '../../db/database.ts'
import { eventHash, GENESIS_HASH, sameEventContent } from '../hash.ts'
import {
  DuplicateEventIdError,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  LOG_START,
  type LogBound,
  type LogPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadAllResult,
  type ReadStreamOptions,
  type RecordedEvent,
  StreamNotFoundError,
  type SubjectFilter,
  type Subscription,
  type SubscriptionOptions,
  WrongExpectedVersionError,
} from '../port.ts'
import { pollSubscription } from '../subscription.ts'
import { validateBatch } from '../validate.ts'


interface EventRow {
  global_position: string
  stream_id: string
  stream_position: string
  event_id: string
  type: string
  schema_version: number
  data: unknown
  metadata: NewEvent['metadata']
  recorded_at: Date
  transaction_id: string
  prev_hash: string
  hash: string
}

const COLUMNS = `global_position, stream_id, stream_position, event_id, type, schema_version, data, metadata,
  recorded_at, transaction_id, prev_hash, hash`

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    streamPosition: Number(row.stream_position),
    globalPosition: BigInt(row.global_position),
    transactionId: BigInt(row.transaction_id),
    recordedAt: row.recorded_at,
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint_name?: string }
  return e?.code === '23505' && e.constraint_name === constraint
}


/**
 * Appends inside a transaction the caller owns. The append is visible to readers only when that transaction
 * commits; `PostgresEventStore.append` is this plus its own transaction and retries. Exposed so tests can hold
 * a transaction open and commit it late.
 */
export async function appendWithin(
  tx: Sql | TransactionSql,
  streamId: string,
  events: NewEvent[],
  expectedVersion: ExpectedVersion,
  now: () => Date = () => new Date(),
): Promise<AppendResult> {
  validateBatch(streamId, events)
  const ids = events.map((e) => e.eventId)
  const findExisting = async () =>
    (
      await tx<EventRow[]>`
        SELECT ${tx.unsafe(COLUMNS)} FROM ledger.events
        WHERE event_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::text::jsonb)::uuid)`
    ).map(toRecordedEvent)
  const existing = await findExisting()
  if (existing.length > 0) return alreadyAppended(streamId, events, existing)

  const [head] = await tx<{ stream_position: string; hash: string }[]>`
    SELECT stream_position, hash FROM ledger.events
    WHERE stream_id = ${streamId} ORDER BY stream_position DESC LIMIT 1`
  const actual = head ? Number(head.stream_position) : null
  if (
    (expectedVersion === 'no_stream' && actual !== null) ||
    (typeof expectedVersion === 'number' && actual !== expectedVersion)
  ) {
    // The same events may have committed between the two reads (a retry racing its original): that is
    // an idempotent re-append, not a conflict.
    const late = await findExisting()
    if (late.length > 0) return alreadyAppended(streamId, events, late)
    throw new WrongExpectedVersionError(streamId, expectedVersion, actual)
  }

  const recordedAt = now()
  let prevHash = head ? head.hash : GENESIS_HASH
  let position = actual === null ? 0 : actual + 1
  const rows = events.map((e) => {
    const fields = {
      prevHash,
      streamId,
      streamPosition: position++,
      eventId: e.eventId,
      type: e.type,
      schemaVersion: e.schemaVersion,
      data: e.data,
      metadata: e.metadata,
      recordedAt,
    }
    const hash = eventHash(fields)
    prevHash = hash
    return {
      stream_position: fields.streamPosition,
      event_id: e.eventId,
      type: e.type,
      schema_version: e.schemaVersion,
      data: e.data,
      metadata: e.metadata,
      recorded_at: recordedAt.toISOString(),
      prev_hash: fields.prevHash,
      hash,
    }
  })
  // One parameter for the whole batch; ORDER BY keeps global positions in stream order.
  const inserted = await tx<{ event_id: string; stream_position: string; global_position: string }[]>`
    INSERT INTO ledger.events
      (stream_id, stream_position, event_id, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
    SELECT ${streamId}, r.stream_position, r.event_id, r.type, r.schema_version, r.data, r.metadata,
           r.recorded_at, r.prev_hash, r.hash
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) AS r(
      stream_position bigint, event_id uuid, type text, schema_version integer, data jsonb, metadata jsonb,
      recorded_at timestamptz, prev_hash text, hash text)
    ORDER BY r.stream_position
    RETURNING event_id, stream_position, global_position`
  const byId = new Map(inserted.map((r) => [r.event_id, r]))
  return {
    streamId,
    nextExpectedVersion: position - 1,
    positions: ids.map((id) => {
      const r = byId.get(id)!
      return { eventId: id, streamPosition: Number(r.stream_position), globalPosition: BigInt(r.global_position) }
    }),
    alreadyAppended: false,
  }
}

/** A retried append: identical content returns the first result; anything else is refused. */
function alreadyAppended(streamId: string, events: NewEvent[], existing: RecordedEvent[]): AppendResult {
  const byId = new Map(existing.map((e) => [e.eventId, e]))
  for (const e of events) {
    const found = byId.get(e.eventId)
    if (!found) {
      throw new DuplicateEventIdError(existing[0]!.eventId, 'while other events of the same append are new')
    }
    if (!sameEventContent(found, { ...e, streamId })) {
      throw new DuplicateEventIdError(
        e.eventId,
        `with different content (stream ${found.streamId}, position ${found.streamPosition}, type ${found.type})`,
      )
    }
  }
  const positions = events.map((e) => {
    const found = byId.get(e.eventId)!
    return { eventId: e.eventId, streamPosition: found.streamPosition, globalPosition: found.globalPosition }
  })
  return {
    streamId,
    nextExpectedVersion: Math.max(...positions.map((p) => p.streamPosition)),
    positions,
    alreadyAppended: true,
  }
}

export interface PostgresEventStoreOptions {
  /** How often an append with expected version `any` retries when another writer took the same position. */
  maxRetries?: number
  /** The clock that stamps recordedAt; replaced in tests. */
  now?: () => Date
}

export class PostgresEventStore implements EventStore {
  private readonly maxRetries: number
  private readonly now: () => Date

  constructor(private readonly sql: Sql, options: PostgresEventStoreOptions = {}) {
    this.maxRetries = options.maxRetries ?? 20
    this.now = options.now ?? (() => new Date())
  }

  async append(streamId: string, events: NewEvent[], options: { expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sql.begin((tx) => appendWithin(tx, streamId, events, options.expectedVersion, this.now))
      } catch (error) {
        const raced = isUniqueViolation(error, 'events_pkey') || isUniqueViolation(error, 'events_event_id_unique')
        if (!raced) throw error
        // Another writer committed first. The next attempt sees the winner and decides again: the same events
        // are then an idempotent re-append, a fixed expected version a conflict, `any` simply the next position.
        if (attempt >= this.maxRetries) throw error
      }
    }
  }

  async streamVersion(streamId: string): Promise<number | null> {
    const [row] = await this.sql<{ stream_position: string }[]>`
      SELECT stream_position FROM ledger.events WHERE stream_id = ${streamId}
      ORDER BY stream_position DESC LIMIT 1`
    return row ? Number(row.stream_position) : null
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = options.from ?? 0
    const to = options.to ?? Number.MAX_SAFE_INTEGER
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER
    const rows = await this.sql<EventRow[]>`
      SELECT ${this.sql.unsafe(COLUMNS)} FROM ledger.events
      WHERE stream_id = ${streamId} AND stream_position >= ${from} AND stream_position <= ${to}
      ORDER BY stream_position LIMIT ${limit}`
    if (rows.length === 0 && (await this.streamVersion(streamId)) === null) throw new StreamNotFoundError(streamId)
    return rows.map(toRecordedEvent)
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const after = options.after ?? LOG_START
    const limit = options.limit ?? 1000
    // Only transactions older than every running one are read: a transaction still running with a lower
    // position would otherwise be skipped for good once a later one was read past it.
    const rows = await this.sql<EventRow[]>`
      SELECT ${this.sql.unsafe(COLUMNS)} FROM ledger.events
      WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        AND (transaction_id, global_position) > (${String(after.transactionId)}::xid8, ${String(after.globalPosition)}::bigint)
      ORDER BY transaction_id, global_position
      LIMIT ${limit}`
    const events = rows.map(toRecordedEvent)
    const last = events[events.length - 1]
    return {
      events,
      position: last ? { transactionId: last.transactionId, globalPosition: last.globalPosition } : after,
      caughtUp: events.length < limit,
    }
  }

  async readTouching(subject: SubjectFilter, bound: LogBound = {}): Promise<RecordedEvent[]> {
    const [key, value] = subject.certificateNumber !== undefined ? ['certificateNumber', subject.certificateNumber] : ['contractId', subject.contractId]
    if (value === undefined) throw new TypeError('name a certificate number or a contract id')
    const sql = this.sql
    let upTo = sql``
    if (bound.position !== undefined) {
      // "Up to event N" in commit order: everything at or before (N's transaction, N).
      const [row] = await sql<{ transaction_id: string }[]>`SELECT transaction_id FROM ledger.events WHERE global_position = ${String(bound.position)}::bigint`
      if (!row) return []
      upTo = sql`AND (transaction_id, global_position) <= (${row.transaction_id}::xid8, ${String(bound.position)}::bigint)`
    }
    const before = bound.recordedBefore ? sql`AND recorded_at < ${bound.recordedBefore.toISOString()}::timestamptz` : sql``
    const rows = await sql<EventRow[]>`
      SELECT ${sql.unsafe(COLUMNS)} FROM ledger.events
      WHERE data ->> ${key} = ${value} AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) ${upTo} ${before}
      ORDER BY transaction_id, global_position`
    return rows.map(toRecordedEvent)
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    return pollSubscription((after, limit) => this.readAll({ after, limit }), options)
  }

  async positionOf(globalPosition: bigint): Promise<LogPosition | null> {
    const [row] = await this.sql<{ transaction_id: string }[]>`
      SELECT transaction_id FROM ledger.events WHERE global_position = ${String(globalPosition)}::bigint`
    return row ? { transactionId: BigInt(row.transaction_id), globalPosition } : null
  }

  async countAfter(position: LogPosition, options: { max?: number; includeUnreadable?: boolean } = {}): Promise<number> {
    const sql = this.sql
    const readable = options.includeUnreadable ? sql`` : sql`AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())`
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM (SELECT 1 FROM ledger.events
        WHERE (transaction_id, global_position) > (${String(position.transactionId)}::xid8, ${String(position.globalPosition)}::bigint)
        ${readable}
        ${options.max === undefined ? sql`` : sql`LIMIT ${options.max}`}) AS after`
    return row!.n
  }
}

export type { LogPosition }
