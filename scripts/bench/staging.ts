// A staging event store in memory for setting up large municipalities fast: the real application layer (its
// commands, hence the deciders) runs against it, then `flush` appends what it wrote to the real store through the
// port, a stream's pending events in one append instead of one append per command step. The events are the
// same ones the commands would write directly (same ids, types, data, metadata); only the batching differs.

import { GENESIS_HASH } from '../../src/store/hash.ts'
import {
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type RecordedEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../../src/store/port.ts'

interface StagedStream {
  /** Events not yet flushed; earlier ones were released once flushed. */
  events: RecordedEvent[]
  /** Stream position of events[0]. */
  offset: number
  /** How many of the stream's events the real store has. */
  flushed: number
  /** Order of the stream's first pending event, so a flush appends streams roughly in the order they were written. */
  firstPending: number
}

export class StagingStore implements EventStore {
  private readonly streams = new Map<string, StagedStream>()
  private sequence = 0

  async append(streamId: string, events: NewEvent[], options: { expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    let s = this.streams.get(streamId)
    const actual = s ? s.offset + s.events.length - 1 : null
    const expected = options.expectedVersion
    if ((expected === 'no_stream' && actual !== null) || (typeof expected === 'number' && expected !== actual)) {
      throw new WrongExpectedVersionError(streamId, expected, actual)
    }
    if (!s) this.streams.set(streamId, (s = { events: [], offset: 0, flushed: 0, firstPending: this.sequence }))
    if (s.offset + s.events.length === s.flushed) s.firstPending = this.sequence
    const positions: AppendResult['positions'] = []
    for (const e of events) {
      const streamPosition = s.offset + s.events.length
      const globalPosition = BigInt(++this.sequence)
      // Hashes and times are the real store's business at flush; the application reads neither.
      s.events.push({
        ...e,
        streamId,
        streamPosition,
        globalPosition,
        transactionId: globalPosition,
        recordedAt: new Date(0),
        prevHash: GENESIS_HASH,
        hash: GENESIS_HASH,
      })
      positions.push({ eventId: e.eventId, streamPosition, globalPosition })
    }
    return { streamId, nextExpectedVersion: s.offset + s.events.length - 1, positions, alreadyAppended: false }
  }

  async readStream(streamId: string, options: { from?: number; to?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    const s = this.streams.get(streamId)
    if (!s) throw new StreamNotFoundError(streamId)
    const from = options.from ?? 0
    if (from < s.offset) throw new Error(`staging: stream ${streamId} was released after its flush and cannot be read from ${from}`)
    const to = Math.min(options.to ?? Number.MAX_SAFE_INTEGER, from + (options.limit ?? Number.MAX_SAFE_INTEGER) - 1)
    return s.events.slice(from - s.offset, to - s.offset + 1)
  }

  readStreamToFold(streamId: string, from: number): Promise<RecordedEvent[]> {
    return this.readStream(streamId, { from })
  }

  async streamVersion(streamId: string): Promise<number | null> {
    const s = this.streams.get(streamId)
    return s ? s.offset + s.events.length - 1 : null
  }

  readAll(): never {
    throw new Error('staging store: no global reads')
  }

  readTouching(): never {
    throw new Error('staging store: no global reads')
  }

  positionOf(): never {
    throw new Error('staging: the global log is not read during setup')
  }

  countAfter(): never {
    throw new Error('staging: the global log is not read during setup')
  }

  subscribeToAll(): never {
    throw new Error('staging store: no subscriptions')
  }

  /** Events written since the last flush. */
  pendingEvents(): number {
    let n = 0
    for (const s of this.streams.values()) n += s.offset + s.events.length - s.flushed
    return n
  }

  /**
   * Appends every pending event to `target`, each stream's in order (at most `batch` per append), `concurrency`
   * streams at a time. Streams for which `release` says so drop their flushed events from memory: they must
   * not be read again (the setup is done with them). Returns the number of appends.
   */
  async flush(target: EventStore, options: { concurrency: number; batch?: number; release?: (streamId: string) => boolean }): Promise<number> {
    const batch = options.batch ?? 1000
    const pending = [...this.streams.entries()]
      .filter(([, s]) => s.offset + s.events.length > s.flushed)
      .sort(([, a], [, b]) => a.firstPending - b.firstPending)
    let next = 0
    let appends = 0
    const worker = async () => {
      while (next < pending.length) {
        const [streamId, s] = pending[next++]!
        while (s.flushed < s.offset + s.events.length) {
          const chunk = s.events.slice(s.flushed - s.offset, s.flushed - s.offset + batch)
          await target.append(
            streamId,
            chunk.map((e) => ({ eventId: e.eventId, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata })),
            { expectedVersion: s.flushed === 0 ? 'no_stream' : s.flushed - 1 },
          )
          s.flushed += chunk.length
          appends++
        }
        if (options.release?.(streamId)) {
          s.offset += s.events.length
          s.events = []
        }
      }
    }
    await Promise.all(Array.from({ length: options.concurrency }, worker))
    return appends
  }
}
