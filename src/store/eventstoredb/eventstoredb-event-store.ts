import crypto from 'node:crypto'
import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  BACKWARDS,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  type Position,
  START,
} from '@eventstore/db-client'
import { eventHash, GENESIS_HASH } from '../hash.ts'
import {
  type AppendResult,
  compareLogPositions,
  type EventStore,
  type ExpectedVersion,
  type FoldEvent,
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
import { validateBatch } from '../validate.ts'
import {
  appendIdOf,
  type ClientRecordedEvent,
  expectedRevision,
  fromClientEvent,
  idempotentResult,
  isSystemEvent,
  satisfies,
  toClientPosition,
  toEventData,
  toLogPosition,
  translateError,
} from './mapping.ts'
import { batchSubscription } from './subscription.ts'

/** The part of the client the adapter uses; a narrower type keeps fakes for tests small. */
export type EsdbClient = Pick<EventStoreDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>

export interface EventStoreDbOptions {
  /** How often an append retries when another writer moved the stream between its read and its write. */
  maxRetries?: number
  /** The clock that stamps recordedAt (the ledger's, since the hash covers it); replaced in tests. */
  now?: () => Date
  /** Events per read of `$all` or of a stream. */
  pageSize?: number
}

const positionOf = (e: RecordedEvent): LogPosition => ({ transactionId: e.transactionId, globalPosition: e.globalPosition })
const isStreamNotFound = (error: unknown) => (error as { type?: string })?.type === 'stream-not-found'

/** The ledger's events of a subscription to `$all`, system events left out (the server filter is one guard). */
async function* ledgerEvents(source: AsyncIterable<AllStreamResolvedEvent>): AsyncGenerator<RecordedEvent> {
  for await (const resolved of source) {
    const raw = resolved.event
    if (!raw || isSystemEvent(raw)) continue
    yield fromClientEvent(raw as ClientRecordedEvent)
  }
}

/**
 * The event store port on EventStoreDB/KurrentDB. The log is EventStoreDB's; the ledger's hash chain, its clock
 * (recordedAt) and its metadata travel in each event's metadata (see mapping.ts), so what is read back is the
 * same RecordedEvent the PostgreSQL adapter returns and every chain verifies on either store.
 *
 * Appends read the stream first (its head for the chain and the expected revision, and the ids already in it
 * for idempotency), then write with the revision they saw: a writer that came between makes the server refuse
 * with a wrong expected version, and the append decides again, like the PostgreSQL adapter's retry.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly maxRetries: number
  private readonly now: () => Date
  private readonly pageSize: number

  constructor(
    private readonly client: EsdbClient,
    options: EventStoreDbOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? 20
    this.now = options.now ?? (() => new Date())
    this.pageSize = options.pageSize ?? 500
  }

  static connect(connectionString: string, options: EventStoreDbOptions = {}): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString), options)
  }

  close(): Promise<void> {
    return this.client.dispose()
  }

  // ---- streams

  /** A stream's events as the client returns them, or null when the stream does not exist. */
  private async collect(streamId: string, options: Parameters<EsdbClient['readStream']>[1]): Promise<ClientRecordedEvent[] | null> {
    const out: ClientRecordedEvent[] = []
    try {
      for await (const resolved of this.client.readStream(streamId, options)) {
        if (resolved.event) out.push(resolved.event as ClientRecordedEvent)
      }
    } catch (error) {
      if (isStreamNotFound(error)) return null
      throw error
    }
    return out
  }

  /**
   * The stream's last event and, among all its events, those with the given ids. EventStoreDB has no index
   * of event ids (its own deduplication is best effort), so the whole stream is read, newest first.
   */
  private async scanStream(streamId: string, ids: ReadonlySet<string>): Promise<{ head: RecordedEvent | null; found: Map<string, RecordedEvent> }> {
    const found = new Map<string, RecordedEvent>()
    let head: RecordedEvent | null = null
    let from: bigint | typeof END = END
    for (;;) {
      const page = await this.collect(streamId, { direction: BACKWARDS, fromRevision: from, maxCount: this.pageSize })
      if (page === null) break
      for (const raw of page) {
        const e = fromClientEvent(raw)
        head ??= e
        if (ids.has(e.eventId)) found.set(e.eventId, e)
      }
      const last = page[page.length - 1]
      if (page.length < this.pageSize || !last || last.revision === 0n || found.size === ids.size) break
      from = last.revision - 1n
    }
    return { head, found }
  }

  async append(streamId: string, events: NewEvent[], options: { expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    validateBatch(streamId, events)
    const expected = options.expectedVersion
    const ids = new Set(events.map((e) => e.eventId))
    for (let attempt = 0; ; attempt++) {
      const { head, found } = await this.scanStream(streamId, ids)
      const again = idempotentResult(streamId, events, found)
      if (again) return again
      const actual = head ? head.streamPosition : null
      if (!satisfies(expected, actual)) throw new WrongExpectedVersionError(streamId, expected, actual)

      const recordedAt = this.now()
      const appendId = crypto.randomUUID()
      let prevHash = head ? head.hash : GENESIS_HASH
      let streamPosition = actual === null ? 0 : actual + 1
      const recorded = events.map((e) => {
        const fields = { ...e, streamId, streamPosition: streamPosition++, recordedAt, prevHash }
        const hash = eventHash(fields)
        prevHash = hash
        return { ...fields, hash }
      })
      try {
        await this.client.appendToStream(
          streamId,
          recorded.map((e) => toEventData(e, appendId)),
          { expectedRevision: expectedRevision(actual) },
        )
      } catch (error) {
        const translated = translateError(error, streamId, expected)
        // Another writer came between the read and the write: decide again on what is there now (the same
        // events are then an idempotent re-append, a fixed expected version a conflict, `any` the next position).
        if (translated instanceof WrongExpectedVersionError && attempt < this.maxRetries) continue
        throw translated
      }
      return this.confirm(streamId, events, recorded[0]!.streamPosition, appendId)
    }
  }

  /**
   * After a successful write: read the events back. The server answers success, writing nothing, when the same
   * ids were just written at the expected revision by someone else (its best-effort deduplication); the append
   * id tells, and the idempotency rule then decides as if the ids had been found before the write.
   */
  private async confirm(streamId: string, events: NewEvent[], first: number, appendId: string): Promise<AppendResult> {
    const written = (await this.collect(streamId, { direction: FORWARDS, fromRevision: BigInt(first), maxCount: events.length })) ?? []
    const mine = written.length === events.length && written.every((w, i) => w.id === events[i]!.eventId && appendIdOf(w) === appendId)
    const recorded = written.map(fromClientEvent)
    if (!mine) {
      const { found } = await this.scanStream(streamId, new Set(events.map((e) => e.eventId)))
      const again = idempotentResult(streamId, events, found)
      if (again) return again
      throw new Error(`append to ${streamId} reported success but its events are not in the stream`)
    }
    const positions = await this.globalPositions(recorded)
    return {
      streamId,
      nextExpectedVersion: first + events.length - 1,
      positions: recorded.map((e, i) => ({ eventId: e.eventId, streamPosition: e.streamPosition, globalPosition: positions[i]! })),
      alreadyAppended: false,
    }
  }

  /**
   * The `$all` positions of events just written. Servers that put positions on stream reads give them directly;
   * otherwise `$all` is read backwards from its end until every event is found, a few events for a fresh append.
   */
  private async globalPositions(events: RecordedEvent[]): Promise<bigint[]> {
    if (events.every((e) => e.globalPosition >= 0n)) return events.map((e) => e.globalPosition)
    const wanted = new Map(events.map((e, i) => [e.eventId, i]))
    const out: bigint[] = events.map(() => -1n)
    let left = wanted.size
    for await (const e of this.backwardsFromEnd()) {
      const i = wanted.get(e.id)
      if (i !== undefined && out[i]! < 0n) {
        out[i] = e.position.prepare
        if (--left === 0) break
      }
    }
    return out
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = options.from ?? 0
    const to = options.to ?? Number.MAX_SAFE_INTEGER
    const limit = Math.min(options.limit ?? Number.MAX_SAFE_INTEGER, to - from + 1)
    if (limit <= 0) {
      if ((await this.streamVersion(streamId)) === null) throw new StreamNotFoundError(streamId)
      return []
    }
    const events = await this.collect(streamId, { direction: FORWARDS, fromRevision: BigInt(from), maxCount: BigInt(limit) })
    if (events === null) throw new StreamNotFoundError(streamId)
    return events.map(fromClientEvent)
  }

  readStreamToFold(streamId: string, from: number): Promise<FoldEvent[]> {
    return this.readStream(streamId, { from })
  }

  async streamVersion(streamId: string): Promise<number | null> {
    const tail = await this.collect(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })
    return tail && tail.length > 0 ? Number(tail[0]!.revision) : null
  }

  // ---- the global log ($all)

  /** `$all` forwards from a position, in pages, ledger events only; each paged read starts where the last ended. */
  private async *forwardFrom(after: LogPosition): AsyncGenerator<RecordedEvent> {
    let from: Position | typeof START = compareLogPositions(after, LOG_START) === 0 ? START : toClientPosition(after)
    let last = after
    for (;;) {
      let n = 0
      let pageEnd: Position | null = null
      const page: AsyncIterable<AllStreamResolvedEvent> = this.client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: this.pageSize })
      for await (const resolved of page) {
        n++
        const raw = resolved.event
        if (!raw) continue
        pageEnd = raw.position
        if (isSystemEvent(raw)) continue
        const e = fromClientEvent(raw as ClientRecordedEvent)
        // A read from a position may start with the event at that position: strictly after, never twice.
        if (compareLogPositions(positionOf(e), last) <= 0) continue
        last = positionOf(e)
        yield e
      }
      if (n < this.pageSize || pageEnd === null) return
      from = pageEnd
    }
  }

  /** `$all` backwards from its end, every event (system ones too: callers look for their own ids and positions). */
  private async *backwardsFromEnd(): AsyncGenerator<ClientRecordedEvent & { position: Position }> {
    let from: Position | typeof END = END
    let previous: Position | null = null
    for (;;) {
      let n = 0
      const page: AsyncIterable<AllStreamResolvedEvent> = this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: this.pageSize })
      for await (const resolved of page) {
        n++
        const raw = resolved.event
        if (!raw) continue
        if (previous && compareLogPositions(toLogPosition(raw.position), toLogPosition(previous)) >= 0) continue
        previous = raw.position
        yield raw as ClientRecordedEvent & { position: Position }
      }
      if (n < this.pageSize || previous === null) return
      from = previous
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const after = options.after ?? LOG_START
    const limit = options.limit ?? 1000
    const events: RecordedEvent[] = []
    if (limit > 0) {
      for await (const e of this.forwardFrom(after)) {
        events.push(e)
        if (events.length >= limit) break
      }
    }
    const last = events[events.length - 1]
    return { events, position: last ? positionOf(last) : after, caughtUp: events.length < limit }
  }

  /**
   * No index names the subject on EventStoreDB: this reads `$all` from the start up to the bound and keeps the
   * events whose data names it. Its cost grows with the whole log (see README, "Scaling out").
   */
  async readTouching(subject: SubjectFilter, bound: LogBound = {}): Promise<RecordedEvent[]> {
    const [key, value] = subject.certificateNumber !== undefined ? ['certificateNumber', subject.certificateNumber] : ['contractId', subject.contractId]
    if (value === undefined) throw new TypeError('name a certificate number or a contract id')
    const out: RecordedEvent[] = []
    let reachedBound = bound.position === undefined
    for await (const e of this.forwardFrom(LOG_START)) {
      const named = (e.data as Record<string, unknown> | null)?.[key] === value
      if (named && (bound.recordedBefore === undefined || e.recordedAt < bound.recordedBefore)) out.push(e)
      if (bound.position !== undefined && e.globalPosition === bound.position) {
        reachedBound = true
        break
      }
    }
    // As on PostgreSQL: a bound naming no event gives nothing.
    return reachedBound ? out : []
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    const client = this.client
    return batchSubscription((from) => {
      const subscription: AllStreamSubscription = client.subscribeToAll({
        fromPosition: compareLogPositions(from, LOG_START) === 0 ? START : toClientPosition(from),
        filter: excludeSystemEvents(),
      })
      return { events: ledgerEvents(subscription), close: () => subscription.unsubscribe() }
    }, options)
  }

  /**
   * `$all` backwards from its end until the event: every event after it in `$all` was written later, so has a
   * higher prepare position, and one below it means there is no such event. Cheap for the recent positions
   * readers wait for; an old one costs a read of everything since.
   */
  async positionOf(globalPosition: bigint): Promise<LogPosition | null> {
    for await (const e of this.backwardsFromEnd()) {
      if (e.position.prepare === globalPosition) return isSystemEvent(e) ? null : toLogPosition(e.position)
      if (e.position.prepare < globalPosition) return null
    }
    return null
  }

  /** Everything committed on EventStoreDB is readable at once, so `includeUnreadable` changes nothing here. */
  async countAfter(position: LogPosition, options: { max?: number } = {}): Promise<number> {
    const max = options.max ?? Number.MAX_SAFE_INTEGER
    let n = 0
    if (max <= 0) return 0
    for await (const _ of this.forwardFrom(position)) if (++n >= max) break
    return n
  }

  // ---- moving a log here (`ledger migrate-log`)

  /**
   * Writes recorded events exactly as they are (ids, recordedAt, hashes), after the stream's event `expected`
   * (null: a new stream). The caller has checked the chain continues; the expected revision refuses a stream
   * that changed meanwhile.
   */
  async importRecorded(streamId: string, events: readonly RecordedEvent[], expected: number | null): Promise<void> {
    if (events.length === 0) return
    const appendId = crypto.randomUUID()
    try {
      await this.client.appendToStream(
        streamId,
        events.map((e) => toEventData(e, appendId)),
        { expectedRevision: expectedRevision(expected) },
      )
    } catch (error) {
      throw translateError(error, streamId, expected ?? 'no_stream')
    }
  }
}
