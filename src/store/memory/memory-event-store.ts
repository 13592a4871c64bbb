import { eventHash, GENESIS_HASH, sameEventContent } from '../hash.ts'
import {
  type AppendResult,
  compareLogPositions,
  DuplicateEventIdError,
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
import { pollSubscription } from '../subscription.ts'

/**
 * The event store port in memory, with the same rules as the PostgreSQL adapter (expected versions, idempotent
 * re-append, hash chain). For property tests that run thousands of commands; nothing is persisted.
 */
export class MemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = []
  private readonly streams = new Map<string, RecordedEvent[]>()
  private readonly byId = new Map<string, RecordedEvent>()

  async append(streamId: string, events: NewEvent[], options: { expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    if (events.length === 0) throw new TypeError('an append needs at least one event')
    const existing = events.map((e) => this.byId.get(e.eventId))
    if (existing.some(Boolean)) {
      events.forEach((e, i) => {
        const found = existing[i]
        if (!found) throw new DuplicateEventIdError(existing.find(Boolean)!.eventId, 'while other events of the same append are new')
        if (!sameEventContent(found, { ...e, streamId })) throw new DuplicateEventIdError(e.eventId, 'with different content')
      })
      const positions = existing.map((f) => ({ eventId: f!.eventId, streamPosition: f!.streamPosition, globalPosition: f!.globalPosition }))
      return { streamId, nextExpectedVersion: Math.max(...positions.map((p) => p.streamPosition)), positions, alreadyAppended: true }
    }
    const stream = this.streams.get(streamId) ?? []
    const actual = stream.length === 0 ? null : stream.length - 1
    const expected = options.expectedVersion
    if ((expected === 'no_stream' && actual !== null) || (typeof expected === 'number' && expected !== actual)) {
      throw new WrongExpectedVersionError(streamId, expected, actual)
    }
    const recordedAt = new Date()
    let prevHash = stream.at(-1)?.hash ?? GENESIS_HASH
    const positions: AppendResult['positions'] = []
    for (const e of events) {
      const streamPosition = stream.length
      const globalPosition = BigInt(this.log.length + 1)
      const fields = { ...e, data: structuredClone(e.data), metadata: structuredClone(e.metadata), streamId, streamPosition, recordedAt, prevHash }
      const recorded: RecordedEvent = { ...fields, globalPosition, transactionId: globalPosition, hash: eventHash(fields) }
      prevHash = recorded.hash
      stream.push(recorded)
      this.log.push(recorded)
      this.byId.set(e.eventId, recorded)
      positions.push({ eventId: e.eventId, streamPosition, globalPosition })
    }
    this.streams.set(streamId, stream)
    return { streamId, nextExpectedVersion: stream.length - 1, positions, alreadyAppended: false }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const stream = this.streams.get(streamId)
    if (!stream) throw new StreamNotFoundError(streamId)
    const from = options.from ?? 0
    const to = options.to ?? Number.MAX_SAFE_INTEGER
    return stream.filter((e) => e.streamPosition >= from && e.streamPosition <= to).slice(0, options.limit ?? Number.MAX_SAFE_INTEGER)
  }

  readStreamToFold(streamId: string, from: number): Promise<FoldEvent[]> {
    return this.readStream(streamId, { from })
  }

  async streamVersion(streamId: string): Promise<number | null> {
    const stream = this.streams.get(streamId)
    return stream ? stream.length - 1 : null
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const after = options.after ?? LOG_START
    const limit = options.limit ?? 1000
    const events = this.log.filter((e) => compareLogPositions({ transactionId: e.transactionId, globalPosition: e.globalPosition }, after) > 0).slice(0, limit)
    const last = events.at(-1)
    return { events, position: last ? { transactionId: last.transactionId, globalPosition: last.globalPosition } : after, caughtUp: events.length < limit }
  }

  async readTouching(subject: SubjectFilter, bound: LogBound = {}): Promise<RecordedEvent[]> {
    const [key, value] = subject.certificateNumber !== undefined ? ['certificateNumber', subject.certificateNumber] : ['contractId', subject.contractId]
    return this.log.filter(
      (e) =>
        (e.data as Record<string, unknown>)[key] === value &&
        (bound.position === undefined || e.globalPosition <= bound.position) &&
        (bound.recordedBefore === undefined || e.recordedAt < bound.recordedBefore),
    )
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    return pollSubscription((after, limit) => this.readAll({ after, limit }), options)
  }

  async positionOf(globalPosition: bigint): Promise<LogPosition | null> {
    const e = this.log.find((x) => x.globalPosition === globalPosition)
    return e ? { transactionId: e.transactionId, globalPosition } : null
  }

  async countAfter(position: LogPosition, options: { max?: number } = {}): Promise<number> {
    const n = this.log.filter((e) => compareLogPositions({ transactionId: e.transactionId, globalPosition: e.globalPosition }, position) > 0).length
    return Math.min(n, options.max ?? n)
  }

  /** Every stream id, for tests that check invariants over everything written. */
  streamIds(): string[] {
    return [...this.streams.keys()]
  }
}
