import type { Sql, TransactionSql } from '../../db/database.ts'
import { isDatabaseUnavailable } from '../../db/errors.ts'
import { eventHash, GENESIS_HASH, sameEventContent } from '../hash.ts'
import {
  type AppendResult,
  DuplicateEventIdError,
  type EventStore,
  type ExpectedVersion,
  type FoldEvent,
  LOG_START,
  type LogBound,
  type LogEnd,
  type LogEntry,
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
import { Batcher, type Pending } from './batcher.ts'

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

/**
 * How long a one-shot reader waits for the transactions running when it began (a bulk load, another database's long
 * transaction) before it says the log cannot be read to its end.
 */
const COMMITTED_END_WAIT_MS = 60_000

const COLUMNS = `global_position, stream_id, stream_position, event_id, type, schema_version, data, metadata,
  recorded_at, transaction_id, prev_hash, hash`

/**
 * What a fold reads of each event (and the hash, for the stream's head): without the metadata, transaction and
 * previous hash the driver decodes a row in far less time, and a month close reads eight events per contract.
 */
const FOLD_COLUMNS = 'global_position, stream_position, event_id, type, schema_version, data, recorded_at, hash'

interface FoldRow {
  ord: number
  global_position: string
  stream_position: string
  event_id: string
  type: string
  schema_version: number
  data: unknown
  recorded_at: Date
  hash: string
}

function toRecordedEvent(row: EventRow): RecordedEvent {
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

/** The last event of a stream as an appender needs it: its position and hash. */
export interface StreamHead {
  position: number
  hash: string
}

/** Events by id, with the index on event_id (`= ANY` of an array; an IN over a set-returning function scans). */
async function findExisting(tx: Sql | TransactionSql, ids: string[]): Promise<RecordedEvent[]> {
  const rows = await tx<EventRow[]>`
    SELECT ${tx.unsafe(COLUMNS)} FROM ledger.events WHERE event_id = ANY(string_to_array(${ids.join(',')}, ',')::uuid[])`
  return rows.map(toRecordedEvent)
}

/** One stream's part of an insert: its events and the head they follow (null: the stream's first events). */
interface StreamAppend {
  streamId: string
  events: NewEvent[]
  head: StreamHead | null
}

/**
 * Inserts the events of one or more streams, each after a known head, in one statement, so it is atomic on its
 * own. The primary key (stream_id, stream_position) makes it fail when another event already took a position,
 * and the unique event id when an event exists already: a stale head or a retry can never write a second chain
 * or a duplicate.
 */
async function insertAfterHeads(tx: Sql | TransactionSql, appends: StreamAppend[], recordedAt: Date) {
  const rows: Record<string, unknown>[] = []
  const heads: StreamHead[] = []
  for (const { streamId, events, head } of appends) {
    let prevHash = head ? head.hash : GENESIS_HASH
    let position = head ? head.position + 1 : 0
    for (const e of events) {
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
      rows.push({
        ord: rows.length,
        stream_id: streamId,
        stream_position: fields.streamPosition,
        event_id: e.eventId,
        type: e.type,
        schema_version: e.schemaVersion,
        data: e.data,
        metadata: e.metadata,
        recorded_at: recordedAt.toISOString(),
        prev_hash: prevHash,
        hash,
      })
      prevHash = hash
    }
    heads.push({ position: position - 1, hash: prevHash })
  }
  // One parameter for the whole batch; ORDER BY keeps global positions in stream order.
  const inserted = await tx<{ event_id: string; stream_position: string; global_position: string }[]>`
    INSERT INTO ledger.events
      (stream_id, stream_position, event_id, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
    SELECT r.stream_id, r.stream_position, r.event_id, r.type, r.schema_version, r.data, r.metadata,
           r.recorded_at, r.prev_hash, r.hash
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) AS r(
      ord integer, stream_id text, stream_position bigint, event_id uuid, type text, schema_version integer,
      data jsonb, metadata jsonb, recorded_at timestamptz, prev_hash text, hash text)
    ORDER BY r.ord
    RETURNING event_id, stream_position, global_position`
  const byId = new Map(inserted.map((r) => [r.event_id, r]))
  return appends.map(({ streamId, events }, i) => {
    const result: AppendResult = {
      streamId,
      nextExpectedVersion: heads[i]!.position,
      positions: events.map(({ eventId }) => {
        const r = byId.get(eventId)!
        return { eventId, streamPosition: Number(r.stream_position), globalPosition: BigInt(r.global_position) }
      }),
      alreadyAppended: false,
    }
    return { result, head: heads[i]! }
  })
}

/** The last event of each stream (absent for streams with none), in one query. */
async function readHeads(sql: Sql, streamIds: string[]): Promise<Map<string, StreamHead>> {
  if (streamIds.length === 1) {
    const [row] = await sql<{ stream_position: string; hash: string }[]>`
      SELECT stream_position, hash FROM ledger.events WHERE stream_id = ${streamIds[0]!} ORDER BY stream_position DESC LIMIT 1`
    return new Map(row ? [[streamIds[0]!, { position: Number(row.stream_position), hash: row.hash }]] : [])
  }
  const rows = await sql<{ stream_id: string; stream_position: string; hash: string }[]>`
    SELECT s.stream_id, h.stream_position, h.hash
    FROM jsonb_array_elements_text(${JSON.stringify(streamIds)}::text::jsonb) AS s(stream_id)
    CROSS JOIN LATERAL (
      SELECT stream_position, hash FROM ledger.events e WHERE e.stream_id = s.stream_id
      ORDER BY stream_position DESC LIMIT 1) h`
  return new Map(rows.map((r) => [r.stream_id, { position: Number(r.stream_position), hash: r.hash }]))
}

/**
 * Appends inside a transaction the caller owns. The append is visible to readers only when that transaction
 * commits; `PostgresEventStore.append` falls back to this (in a transaction of its own, with retries) when it
 * does not know the stream's head. Exposed so tests can hold a transaction open and commit it late.
 */
export async function appendWithin(
  tx: Sql | TransactionSql,
  streamId: string,
  events: NewEvent[],
  expectedVersion: ExpectedVersion,
  now: () => Date = () => new Date(),
): Promise<AppendResult> {
  return (await appendReadingHead(tx, streamId, events, expectedVersion, now)).result
}

async function appendReadingHead(
  tx: Sql | TransactionSql,
  streamId: string,
  events: NewEvent[],
  expectedVersion: ExpectedVersion,
  now: () => Date,
): Promise<{ result: AppendResult; head: StreamHead | null }> {
  validateBatch(streamId, events)
  const ids = events.map((e) => e.eventId)
  const existing = await findExisting(tx, ids)
  if (existing.length > 0) return { result: alreadyAppended(streamId, events, existing), head: null }

  const [row] = await tx<{ stream_position: string; hash: string }[]>`
    SELECT stream_position, hash FROM ledger.events
    WHERE stream_id = ${streamId} ORDER BY stream_position DESC LIMIT 1`
  const head = row ? { position: Number(row.stream_position), hash: row.hash } : null
  const actual = head ? head.position : null
  if ((expectedVersion === 'no_stream' && actual !== null) || (typeof expectedVersion === 'number' && actual !== expectedVersion)) {
    // The same events may have committed between the two reads (a retry racing its original): that is
    // an idempotent re-append, not a conflict.
    const late = await findExisting(tx, ids)
    if (late.length > 0) return { result: alreadyAppended(streamId, events, late), head: null }
    throw new WrongExpectedVersionError(streamId, expectedVersion, actual)
  }
  return (await insertAfterHeads(tx, [{ streamId, events, head }], now()))[0]!
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
      throw new DuplicateEventIdError(e.eventId, `with different content (stream ${found.streamId}, position ${found.streamPosition}, type ${found.type})`)
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
  /**
   * How many batches of appends (and of stream reads) may run at once; what arrives meanwhile is sent together.
   * 1 suits the embedded database, which runs one query at a time.
   */
  batchesInFlight?: number
}

interface AppendRequest {
  streamId: string
  events: NewEvent[]
  expectedVersion: ExpectedVersion
}

interface ReadRequest {
  streamId: string
  from: number
}

/** A batch that collided with another writer (or a retry of itself): each of its appends is then tried alone. */
const raced = (error: unknown) =>
  isUniqueViolation(error, 'events_pkey') || isUniqueViolation(error, 'events_event_id_unique') || (error as { code?: string })?.code === '40P01'

/**
 * Runs a batch; when its statement fails as a whole for another reason than a database that is away — the
 * database refused one request's data (a NUL, a value a constraint refuses) — runs each request still unsettled
 * alone, so that only the request at fault fails, never the others sent beside it.
 */
async function isolated<Request, Result>(batch: Pending<Request, Result>[], run: (batch: Pending<Request, Result>[]) => Promise<void>): Promise<void> {
  const unsettled = new Set(batch)
  const tracked = batch.map((p) => ({
    request: p.request,
    resolve: (r: Result) => {
      unsettled.delete(p)
      p.resolve(r)
    },
    reject: (e: unknown) => {
      unsettled.delete(p)
      p.reject(e)
    },
  }))
  try {
    await run(tracked)
  } catch (error) {
    if (batch.length === 1 || isDatabaseUnavailable(error)) throw error
    await Promise.all([...unsettled].map((p) => run([p]).catch(p.reject)))
  }
}

export class PostgresEventStore implements EventStore {
  private readonly maxRetries: number
  private readonly now: () => Date
  /**
   * The last event of streams this store recently read to the end or appended to. An append after a known head
   * is one INSERT; a head gone stale (another process appended) makes that INSERT fail on the primary key, and
   * the append falls back to reading the head. So a stale entry costs a round trip, never a wrong chain.
   */
  private readonly heads = new Map<string, StreamHead>()
  private readonly appends: Batcher<AppendRequest, AppendResult>
  private readonly reads: Batcher<ReadRequest, FoldEvent[]>

  constructor(
    private readonly sql: Sql,
    options: PostgresEventStoreOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? 20
    this.now = options.now ?? (() => new Date())
    const inFlight = options.batchesInFlight ?? 2
    this.appends = new Batcher({ maxInFlight: inFlight, maxBatch: 1000, keyOf: (r) => r.streamId, run: (batch) => isolated(batch, (b) => this.appendBatch(b)) })
    this.reads = new Batcher({ maxInFlight: inFlight, maxBatch: 1000, run: (batch) => isolated(batch, (b) => this.readBatch(b)) })
  }

  async append(streamId: string, events: NewEvent[], options: { expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    validateBatch(streamId, events)
    return this.appends.submit({ streamId, events, expectedVersion: options.expectedVersion })
  }

  /**
   * Appends to distinct streams in one INSERT, each after its head (known, or read for all of them in one query).
   * Whatever cannot go that way — an expected version that does not match the head, a batch that collided with
   * another writer — is appended alone, where a conflict is told from an idempotent retry.
   */
  private async appendBatch(batch: Pending<AppendRequest, AppendResult>[]) {
    const unknown = batch.filter((p) => p.request.expectedVersion !== 'no_stream' && !this.heads.has(p.request.streamId))
    const absent = new Set<string>()
    if (unknown.length > 0) {
      const found = await readHeads(
        this.sql,
        unknown.map((p) => p.request.streamId),
      )
      for (const p of unknown) {
        const head = found.get(p.request.streamId)
        if (head) this.rememberHead(p.request.streamId, head)
        else absent.add(p.request.streamId)
      }
    }
    const together: (Pending<AppendRequest, AppendResult> & { head: StreamHead | null })[] = []
    const alone: Pending<AppendRequest, AppendResult>[] = []
    for (const p of batch) {
      const { streamId, expectedVersion } = p.request
      const known = this.heads.get(streamId) ?? null
      const head = expectedVersion === 'no_stream' ? null : absent.has(streamId) ? null : known
      const fits = expectedVersion === 'no_stream' || expectedVersion === 'any' || (head !== null && head.position === expectedVersion)
      if (fits) together.push({ ...p, head })
      else alone.push(p)
    }
    if (together.length > 0) {
      // Rows in stream order: two batches of other processes then lock their keys in the same order.
      together.sort((a, b) => (a.request.streamId < b.request.streamId ? -1 : 1))
      try {
        const written = await insertAfterHeads(
          this.sql,
          together.map((p) => ({ streamId: p.request.streamId, events: p.request.events, head: p.head })),
          this.now(),
        )
        together.forEach((p, i) => {
          this.rememberHead(p.request.streamId, written[i]!.head)
          p.resolve(written[i]!.result)
        })
      } catch (error) {
        if (!raced(error)) throw error
        for (const p of together) {
          this.heads.delete(p.request.streamId)
          alone.push(p)
        }
      }
    }
    await Promise.all(alone.map((p) => this.appendAlone(p.request).then(p.resolve, p.reject)))
  }

  /** An append in a transaction of its own that reads the head: tells a conflict from an idempotent retry. */
  private async appendAlone({ streamId, events, expectedVersion }: AppendRequest): Promise<AppendResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        const { result, head } = await this.sql.begin((tx) => appendReadingHead(tx, streamId, events, expectedVersion, this.now))
        if (head) this.rememberHead(streamId, head)
        return result
      } catch (error) {
        if (!raced(error)) throw error
        // Another writer committed first. The next attempt sees the winner and decides again: the same events
        // are then an idempotent re-append, a fixed expected version a conflict, `any` simply the next position.
        if (attempt >= this.maxRetries) throw error
      }
    }
  }

  private rememberHead(streamId: string, head: StreamHead) {
    this.heads.delete(streamId)
    this.heads.set(streamId, head)
    if (this.heads.size > 50_000) this.heads.delete(this.heads.keys().next().value!)
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

  /** Reads made while others are in flight go out together, one query for up to a thousand streams. */
  readStreamToFold(streamId: string, from: number): Promise<FoldEvent[]> {
    return this.reads.submit({ streamId, from })
  }

  /**
   * Reads streams to their end in one query. Each is read from the event before the one asked for, which answers
   * in the same query whether the stream exists: a reader that is up to date (a cached fold) gets that one event
   * back and nothing else.
   */
  private async readBatch(batch: Pending<ReadRequest, FoldEvent[]>[]) {
    if (batch.length === 1) {
      // Alone, the plain query: the planner serves it from the primary key with no set to unpack.
      const { streamId, from } = batch[0]!.request
      const rows = await this.sql<FoldRow[]>`
        SELECT 0 AS ord, ${this.sql.unsafe(FOLD_COLUMNS)} FROM ledger.events
        WHERE stream_id = ${streamId} AND stream_position >= ${Math.max(from - 1, 0)} ORDER BY stream_position`
      return this.settleReads(batch, rows)
    }
    const rows = await this.sql<FoldRow[]>`
      SELECT q.ord, l.* FROM jsonb_to_recordset(${JSON.stringify(batch.map((p, ord) => ({ ord, stream_id: p.request.streamId, from_pos: Math.max(p.request.from - 1, 0) })))}::text::jsonb)
        AS q(ord integer, stream_id text, from_pos bigint)
      CROSS JOIN LATERAL (
        SELECT ${this.sql.unsafe(FOLD_COLUMNS)} FROM ledger.events e
        WHERE e.stream_id = q.stream_id AND e.stream_position >= q.from_pos ORDER BY e.stream_position) l
      ORDER BY q.ord, l.stream_position`
    return this.settleReads(batch, rows)
  }

  private async settleReads(batch: Pending<ReadRequest, FoldEvent[]>[], rows: FoldRow[]) {
    const byRequest = batch.map(() => [] as FoldEvent[])
    const lastHash = batch.map(() => '')
    for (const row of rows) {
      byRequest[row.ord]!.push({
        eventId: row.event_id,
        type: row.type,
        schemaVersion: row.schema_version,
        data: row.data,
        streamPosition: Number(row.stream_position),
        globalPosition: BigInt(row.global_position),
        recordedAt: row.recorded_at,
      })
      lastHash[row.ord] = row.hash
    }
    await Promise.all(
      batch.map(async (p, i) => {
        const { streamId, from } = p.request
        const events = byRequest[i]!
        const last = events[events.length - 1]
        if (last) this.rememberHead(streamId, { position: last.streamPosition, hash: lastHash[i]! })
        if (from > 0 && events[0]?.streamPosition === from - 1) events.shift()
        else if (events.length === 0 && (from === 0 || (await this.streamVersion(streamId)) === null)) return p.reject(new StreamNotFoundError(streamId))
        p.resolve(events)
      }),
    )
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const after = options.after ?? LOG_START
    const limit = options.limit ?? 1000
    // Only transactions older than every running one are read: a transaction still running with a lower
    // position would otherwise be skipped for good once a later one was read past it.
    const horizon = options.end ? this.sql`${String(options.end.transactionId)}::xid8` : this.sql`pg_snapshot_xmin(pg_current_snapshot())`
    const rows = await this.sql<EventRow[]>`
      SELECT ${this.sql.unsafe(COLUMNS)} FROM ledger.events
      WHERE transaction_id < ${horizon}
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

  /**
   * The next transaction id when asked, once no transaction older than it still runs (transaction ids are the
   * server's, so another database's transaction counts too). Reads up to it see a fixed log: verify and export
   * cover everything committed when they began, not only what lay before the oldest transaction running then.
   */
  async committedEnd(): Promise<LogEnd> {
    const [row] = await this.sql<{ end: string }[]>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS end`
    const end = BigInt(row!.end)
    const deadline = Date.now() + COMMITTED_END_WAIT_MS
    for (;;) {
      const [now] = await this.sql<{ xmin: string }[]>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`
      if (BigInt(now!.xmin) >= end) return { transactionId: end }
      if (Date.now() > deadline) {
        throw new Error(`a transaction begun before this read still runs after ${COMMITTED_END_WAIT_MS / 1000} s; the log cannot be read to its end`)
      }
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  /** readAll's events reduced to where each stands and its hash, for the transparency log's follower: the same rows, in the same order. */
  async readAllEntries(options: ReadAllOptions = {}): Promise<{ events: LogEntry[]; position: LogPosition; caughtUp: boolean }> {
    const after = options.after ?? LOG_START
    const limit = options.limit ?? 1000
    const rows = await this.sql<{ global_position: string; transaction_id: string; hash: string }[]>`
      SELECT global_position, transaction_id, hash FROM ledger.events
      WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        AND (transaction_id, global_position) > (${String(after.transactionId)}::xid8, ${String(after.globalPosition)}::bigint)
      ORDER BY transaction_id, global_position
      LIMIT ${limit}`
    const events = rows.map((r) => ({ globalPosition: BigInt(r.global_position), transactionId: BigInt(r.transaction_id), hash: r.hash }))
    const last = events[events.length - 1]
    return { events, position: last ? { transactionId: last.transactionId, globalPosition: last.globalPosition } : after, caughtUp: events.length < limit }
  }

  // A one-shot read of everything committed that names the subject: unlike the global reader it keeps no position,
  // so it need not stop below the oldest running transaction (which could be another database's, for a moment).
  async readTouching(subject: SubjectFilter, bound: LogBound = {}): Promise<RecordedEvent[]> {
    if (subject.certificateNumber === undefined && subject.contractId === undefined) throw new TypeError('name a certificate number or a contract id')
    const sql = this.sql
    let upTo: LogPosition | undefined
    if (bound.position !== undefined) {
      const [row] = await sql<{ transaction_id: string }[]>`SELECT transaction_id FROM ledger.events WHERE global_position = ${String(bound.position)}::bigint`
      if (!row) return []
      upTo = { transactionId: BigInt(row.transaction_id), globalPosition: bound.position }
    }
    const rows = await touchingQuery(sql, subject, { upTo, recordedBefore: bound.recordedBefore })
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

/**
 * readTouching's statement (exported so a test can EXPLAIN it). The key is written into the text, not passed as a
 * parameter: only `data ->> 'certificateNumber' = $1` matches the partial expression index on that key (migrations
 * 0004, 0011), in a generic plan as well as a custom one.
 */
export function touchingQuery(sql: Sql, subject: SubjectFilter, bound: { upTo?: LogPosition | undefined; recordedBefore?: Date | undefined } = {}) {
  const key = subject.certificateNumber !== undefined ? sql`data ->> 'certificateNumber'` : sql`data ->> 'contractId'`
  const value = subject.certificateNumber ?? subject.contractId
  if (value === undefined) throw new TypeError('name a certificate number or a contract id')
  // "Up to event N" in commit order: everything at or before (N's transaction, N).
  const upTo = bound.upTo
    ? sql`AND (transaction_id, global_position) <= (${String(bound.upTo.transactionId)}::xid8, ${String(bound.upTo.globalPosition)}::bigint)`
    : sql``
  const before = bound.recordedBefore ? sql`AND recorded_at < ${bound.recordedBefore.toISOString()}::timestamptz` : sql``
  return sql<EventRow[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM ledger.events
    WHERE ${key} = ${value} ${upTo} ${before}
    ORDER BY transaction_id, global_position`
}

export type { LogPosition }
