import { Readable } from 'node:stream'
import type { AppendExpectedRevision, EventData, Position } from '@eventstore/db-client'
import type { EsdbClient } from '../../src/store/eventstoredb/eventstoredb-event-store.ts'
import type { ClientRecordedEvent } from '../../src/store/eventstoredb/mapping.ts'

// A stand-in for an EventStoreDB server, in memory, with the behaviour the adapter relies on as documented for
// the real one: optimistic appends by revision with WrongExpectedVersion, StreamNotFound on reading a missing
// stream, `$all` ordered by (commit, prepare) where the events of one append share the commit position of the
// first, system events in `$all`, reads from a position that include the event at it, `$all` positions on stream
// reads (servers from 22.10; `streamReadPositions = false` acts as an older one), and the server's own best-effort deduplication: the same ids at the
// expected revision answer success and write nothing. It tests the adapter's logic, never the server.

/** An event as the client returns it, with what the server adds. */
interface Stored extends ClientRecordedEvent {
  created: Date
  position: Position
}

const clone = <T>(v: T): T => structuredClone(v)
const cmp = (a: Position, b: Position) =>
  a.commit !== b.commit ? (a.commit < b.commit ? -1 : 1) : a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1

function fail(type: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(type), { type, ...fields })
}

function readable<T>(items: () => Promise<T[]> | T[]): Readable & AsyncIterable<T> {
  return Readable.from(
    (async function* () {
      for (const item of await items()) yield item
    })(),
    { objectMode: true },
  ) as Readable & AsyncIterable<T>
}

export class FakeEventStoreDb {
  readonly all: Stored[] = []
  readonly streams = new Map<string, Stored[]>()
  private next = 1000n
  /** Servers before 22.10 give no `$all` position on stream reads (2^64-1). */
  streamReadPositions = true
  /** Called before each append is applied; tests use it to slip in a concurrent write. */
  beforeAppend: ((streamId: string) => Promise<void> | void) | null = null

  /** A system event in `$all`, as the server writes them (stream metadata, statistics). */
  systemEvent(streamId = '$$some-stream', type = '$metadata'): void {
    this.write(streamId, [{ id: crypto.randomUUID(), type, data: {}, metadata: undefined, contentType: 'application/json' } as unknown as EventData])
  }

  private write(streamId: string, events: EventData[]): Position {
    const stream = this.streams.get(streamId) ?? []
    const commit = this.next
    let last: Position = { commit, prepare: commit }
    for (const e of events) {
      const prepare = this.next
      this.next += 100n
      last = { commit, prepare }
      const stored: Stored = {
        streamId,
        id: e.id,
        revision: BigInt(stream.length),
        type: e.type,
        isJson: e.contentType === 'application/json',
        data: clone(e.data),
        metadata: clone(e.metadata),
        created: new Date(),
        position: last,
      }
      stream.push(stored)
      this.all.push(stored)
    }
    this.streams.set(streamId, stream)
    return last
  }

  client(): EsdbClient {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const server = this
    const none = { commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n }
    const resolved = (e: Stored, all: boolean) => ({ event: { ...clone(e), position: all || server.streamReadPositions ? e.position : none } })
    const fake = {
      async appendToStream(streamId: string, events: EventData | EventData[], options: { expectedRevision?: AppendExpectedRevision } = {}) {
        const batch = Array.isArray(events) ? events : [events]
        await server.beforeAppend?.(streamId)
        const stream = server.streams.get(streamId) ?? []
        const current = stream.length === 0 ? 'no_stream' : BigInt(stream.length - 1)
        const expected = options.expectedRevision ?? 'any'
        // Best-effort deduplication: the same ids right after the expected revision are an idempotent success.
        if (expected !== 'any' && expected !== 'stream_exists') {
          const start = expected === 'no_stream' ? 0 : Number(expected) + 1
          const there = stream.slice(start, start + batch.length)
          if (there.length === batch.length && there.every((s, i) => s.id === batch[i]!.id)) {
            return { success: true, nextExpectedRevision: there[there.length - 1]!.revision, position: there[there.length - 1]!.position }
          }
        }
        if (expected !== 'any' && !(expected === 'stream_exists' && current !== 'no_stream') && expected !== current) {
          throw fail('wrong-expected-version', { streamName: streamId, expectedVersion: expected, actualVersion: current })
        }
        const position = server.write(streamId, batch)
        return { success: true, nextExpectedRevision: BigInt(server.streams.get(streamId)!.length - 1), position }
      },
      readStream(streamId: string, options: { direction?: string; fromRevision?: bigint | 'start' | 'end'; maxCount?: number | bigint } = {}) {
        return readable(() => {
          const stream = server.streams.get(streamId)
          if (!stream) throw fail('stream-not-found', { streamName: streamId })
          const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER)
          const from = options.fromRevision
          if (options.direction === 'backwards') {
            const start = from === undefined || from === 'end' ? stream.length - 1 : from === 'start' ? 0 : Number(from)
            return stream
              .slice(0, start + 1)
              .reverse()
              .slice(0, max)
              .map((e) => resolved(e, false))
          }
          const start = from === undefined || from === 'start' ? 0 : from === 'end' ? stream.length : Number(from)
          return stream.slice(start, start + max).map((e) => resolved(e, false))
        })
      },
      readAll(options: { direction?: string; fromPosition?: Position | 'start' | 'end'; maxCount?: number | bigint } = {}) {
        return readable(() => {
          const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER)
          const from = options.fromPosition
          if (options.direction === 'backwards') {
            const upTo = from === undefined || from === 'end' ? null : from === 'start' ? { commit: -1n, prepare: -1n } : from
            return [...server.all]
              .reverse()
              .filter((e) => upTo === null || cmp(e.position, upTo) <= 0)
              .slice(0, max)
              .map((e) => resolved(e, true))
          }
          const start = from === undefined || from === 'start' ? null : from === 'end' ? { commit: 2n ** 63n, prepare: 0n } : from
          return server.all
            .filter((e) => start === null || cmp(e.position, start) >= 0)
            .slice(0, max)
            .map((e) => resolved(e, true))
        })
      },
      subscribeToAll(options: { fromPosition?: Position | 'start' | 'end' } = {}) {
        let stopped = false
        const from = options.fromPosition
        let after: Position | null = from === undefined || from === 'start' ? null : from === 'end' ? (server.all.at(-1)?.position ?? null) : from
        const source = Readable.from(
          (async function* () {
            while (!stopped) {
              const fresh = server.all.filter((e) => after === null || cmp(e.position, after) > 0)
              for (const e of fresh) {
                after = e.position
                if (e.type.startsWith('$')) continue // the server-side filter excludeSystemEvents()
                yield resolved(e, true)
              }
              await new Promise((r) => setTimeout(r, 5))
            }
          })(),
          { objectMode: true },
        )
        return Object.assign(source, {
          async unsubscribe() {
            stopped = true
            source.destroy()
          },
        })
      },
      async dispose() {},
    }
    return fake as unknown as EsdbClient
  }
}
