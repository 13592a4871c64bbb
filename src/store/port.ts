/**
 * The event store port: what the ledger needs from a log, whichever database keeps it.
 * Adapters: `postgres/` (the default, on a server or embedded PGlite), `eventstoredb/` (a log that outgrew one
 * PostgreSQL server), `memory/` (property tests).
 */

/** The expected state of a stream before an append: the position of its last event, or one of two words. */
export type ExpectedVersion = number | 'no_stream' | 'any'

/** Who caused an event and why; kept beside the data so the audit trail needs nothing else. */
export interface EventMetadata {
  /** The caller, e.g. `operator:3f1c…` (role and token id), or `system:<process>` for internal work. */
  actor: string
  /** Shared by every event one request or one process run caused. */
  correlationId: string
  /** The event or command that caused this one, when there is one. */
  causationId?: string | null
  /** The client's idempotency key of the command that emitted the event, when it sent one. */
  idempotencyKey?: string | null
  [key: string]: unknown
}

export interface NewEvent<Data = unknown> {
  /** Chosen by the writer (a UUID); deterministic ids make a retried process write nothing twice. */
  eventId: string
  type: string
  schemaVersion: number
  data: Data
  metadata: EventMetadata
}

/**
 * A position in the global log. On PostgreSQL: the writing transaction and the event's global position, the
 * order in which events became visible. On EventStoreDB: the commit and prepare positions of `$all`.
 */
export interface LogPosition {
  transactionId: bigint
  globalPosition: bigint
}

export const LOG_START: LogPosition = Object.freeze({ transactionId: 0n, globalPosition: 0n })

export interface RecordedEvent<Data = unknown> extends NewEvent<Data> {
  streamId: string
  /** 0 for the first event of a stream, contiguous after it. */
  streamPosition: number
  /** Unique over the whole log; increases with the order of inserts (not always of commits). */
  globalPosition: bigint
  transactionId: bigint
  recordedAt: Date
  /** The hash of the previous event in the same stream, or GENESIS_HASH for the first. */
  prevHash: string
  hash: string
}

/**
 * An event as folding a stream needs it: what it says, where it stands, and when it was recorded (the business date
 * an upcaster gives an old version that had none); without its metadata and hashes.
 */
export type FoldEvent = Pick<RecordedEvent, 'eventId' | 'type' | 'schemaVersion' | 'data' | 'streamPosition' | 'globalPosition' | 'recordedAt'>

export interface AppendResult {
  streamId: string
  /** The stream's position after the append: pass it as the next expected version. */
  nextExpectedVersion: number
  /** Per appended event, in order. */
  positions: { eventId: string; streamPosition: number; globalPosition: bigint }[]
  /** True when every event already existed with identical content and nothing was written. */
  alreadyAppended: boolean
}

export interface ReadStreamOptions {
  /** First stream position to return (inclusive); default 0. */
  from?: number
  /** Last stream position to return (inclusive); default the end. */
  to?: number
  /** Stop after this many events. */
  limit?: number
}

export interface ReadAllOptions {
  /** Return events strictly after this position; default the start of the log. */
  after?: LogPosition
  /** At most this many events; default 1 000. */
  limit?: number
  /** Read no further than this end of the log (from `committedEnd`): a one-shot reader's fixed cut. */
  end?: LogEnd
}

/** The log as committed at one moment: every event of a transaction that ended before it, and no other. */
export interface LogEnd {
  transactionId: bigint
}

export interface ReadAllResult {
  events: RecordedEvent[]
  /** The position of the last returned event, or `after` when none was returned. */
  position: LogPosition
  /** True when fewer than `limit` events were returned: the reader has caught up with what is committed. */
  caughtUp: boolean
}

export interface SubscriptionOptions {
  from?: LogPosition
  batchSize?: number
  /** How long to wait before asking again once caught up. */
  idleMs?: number
  /**
   * Called with each batch, in log order; the next batch is read only after it resolves, and the position is
   * the one to store as a checkpoint. A rejected promise stops the subscription with that error.
   */
  onEvents(events: RecordedEvent[], position: LogPosition): Promise<void>
}

export interface Subscription {
  /** Resolves when the subscription stopped; rejects with the handler's or the store's error. */
  readonly done: Promise<void>
  /** The position after the last batch that was handled. */
  readonly position: LogPosition
  stop(): Promise<void>
}

/** An upper bound on the log: up to and including an event (in commit order), and/or recorded before an instant. */
export interface LogBound {
  /** The global position of the last event to include. */
  position?: bigint
  recordedBefore?: Date
}

/** Events that name a subject in their data, for audit trails and as-of answers. */
export interface SubjectFilter {
  certificateNumber?: string
  contractId?: string
}

/** Where an event stands in the log and its hash: what the transparency log's tree takes of each event. */
export type LogEntry = Pick<RecordedEvent, 'globalPosition' | 'transactionId' | 'hash'>

export interface EventStore {
  append(streamId: string, events: NewEvent[], options: { expectedVersion: ExpectedVersion }): Promise<AppendResult>
  /** The stream's events in order. Throws StreamNotFoundError when the stream has no event at all. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>
  /**
   * The stream's events from `from` to its end, as a fold needs them (src/app/aggregates.ts): an adapter may read
   * less of each event than readStream does. Throws StreamNotFoundError like readStream.
   */
  readStreamToFold(streamId: string, from: number): Promise<FoldEvent[]>
  /** The position of the stream's last event, or null when it does not exist. */
  streamVersion(streamId: string): Promise<number | null>
  /** Committed events after a position, in the order they became visible; never skips a late commit. */
  readAll(options?: ReadAllOptions): Promise<ReadAllResult>
  /**
   * The end of the log as committed now, for a reader that reads it once to the end (verify, export): returned once
   * every transaction that was running when it was asked has ended, so nothing can still appear before it and
   * readAll with it returns all that was committed. Optional: a log without such gaps (in memory, EventStoreDB) reads
   * everything committed anyway.
   */
  committedEnd?(): Promise<LogEnd>
  /**
   * readAll with only where each event stands and its hash: the same events in the same order. Optional: an
   * adapter that cannot read less leaves it out and the transparency log's follower uses readAll.
   */
  readAllEntries?(options?: ReadAllOptions): Promise<{ events: LogEntry[]; position: LogPosition; caughtUp: boolean }>
  /** Every committed event whose data names the subject, in commit order, up to the bound. */
  readTouching(subject: SubjectFilter, bound?: LogBound): Promise<RecordedEvent[]>
  /** A catch-up subscription over the global log: reads history from `from`, then follows new events. */
  subscribeToAll(options: SubscriptionOptions): Subscription
  /**
   * The whole log position of the event with this global position (what commands answer with and readers wait
   * for), or null when there is none.
   */
  positionOf(globalPosition: bigint): Promise<LogPosition | null>
  /**
   * How many committed events lie after a position, counting at most `max`. `includeUnreadable` counts too the
   * events readAll cannot return yet (on PostgreSQL: committed while an older transaction still runs), so a
   * reader that wants everything committed knows to wait for them.
   */
  countAfter(position: LogPosition, options?: { max?: number; includeUnreadable?: boolean }): Promise<number>
}

export abstract class EventStoreError extends Error {
  abstract readonly code: string
}

export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'wrong_expected_version'
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number | null,
  ) {
    super(
      `stream ${streamId} is at ${actual === null ? 'no stream' : `version ${actual}`}, ` +
        `expected ${typeof expected === 'number' ? `version ${expected}` : expected.replace('_', ' ')}`,
    )
    this.name = 'WrongExpectedVersionError'
  }
}

export class DuplicateEventIdError extends EventStoreError {
  readonly code = 'duplicate_event_id'
  constructor(
    readonly eventId: string,
    readonly reason: string,
  ) {
    super(`event ${eventId} already exists ${reason}`)
    this.name = 'DuplicateEventIdError'
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'stream_not_found'
  constructor(readonly streamId: string) {
    super(`stream ${streamId} does not exist`)
    this.name = 'StreamNotFoundError'
  }
}

export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1
  if (a.globalPosition !== b.globalPosition) return a.globalPosition < b.globalPosition ? -1 : 1
  return 0
}

/** `transactionId/globalPosition`: how a log position is written in checkpoints, URLs and the CLI. */
export function formatLogPosition(p: LogPosition): string {
  return `${p.transactionId}/${p.globalPosition}`
}

export function parseLogPosition(text: string): LogPosition {
  const match = /^(\d{1,20})\/(\d{1,20})$/.exec(text)
  if (!match) throw new Error(`not a log position: ${JSON.stringify(text)} (expected transactionId/globalPosition)`)
  return { transactionId: BigInt(match[1]!), globalPosition: BigInt(match[2]!) }
}
