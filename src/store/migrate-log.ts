import { GENESIS_HASH } from './hash.ts'
import { type EventStore, LOG_START, type LogPosition, type RecordedEvent, StreamNotFoundError } from './port.ts'

// Moving a log to another store (`ledger migrate-log`): every event copied as it is — id, stream position,
// recordedAt, metadata, prevHash and hash — in the source's commit order, so every chain verifies after the move.
// Run again, it skips what the target already holds with the same id and hash, and continues where it stopped.

/** What the target store offers for a copy: its streams, and a write of recorded events exactly as they are. */
export interface LogTarget {
  streamVersion(streamId: string): Promise<number | null>
  readStream(streamId: string, options?: { from?: number; to?: number }): Promise<RecordedEvent[]>
  /** Writes the events as they are after the stream's event `expected` (null: the stream is new). */
  importRecorded(streamId: string, events: readonly RecordedEvent[], expected: number | null): Promise<void>
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MigrationError'
  }
}

export interface MigrationReport {
  copied: number
  skipped: number
  streams: number
  position: LogPosition
}

interface Head {
  version: number | null
  hash: string
  /** Events the target held before this run, not yet passed by the copy: compared, never written again. */
  existing: Map<number, RecordedEvent>
}

export async function migrateLog(
  source: EventStore,
  target: LogTarget,
  options: { batchSize?: number; onProgress?: (report: MigrationReport) => void } = {},
): Promise<MigrationReport> {
  const batchSize = options.batchSize ?? 1000
  const heads = new Map<string, Head>()
  const report: MigrationReport = { copied: 0, skipped: 0, streams: 0, position: LOG_START }

  const headOf = async (streamId: string): Promise<Head> => {
    let head = heads.get(streamId)
    if (head) return head
    const version = await target.streamVersion(streamId)
    const existing = new Map<number, RecordedEvent>()
    let hash = GENESIS_HASH
    if (version !== null) {
      const events = await target.readStream(streamId).catch((e: unknown) => (e instanceof StreamNotFoundError ? [] : Promise.reject(e)))
      for (const e of events) existing.set(e.streamPosition, e)
      hash = events[events.length - 1]?.hash ?? GENESIS_HASH
    }
    head = { version, hash, existing }
    heads.set(streamId, head)
    report.streams++
    return head
  }

  // Consecutive events of one stream in commit order go in one write, as they were most likely appended.
  let group: RecordedEvent[] = []
  const flush = async () => {
    if (group.length === 0) return
    const streamId = group[0]!.streamId
    const head = await headOf(streamId)
    const first = group[0]!
    const expectedPosition = head.version === null ? 0 : head.version + 1
    if (first.streamPosition !== expectedPosition) {
      throw new MigrationError(
        `stream ${streamId}: the target is at ${head.version ?? 'no stream'}, the next event to copy is at position ${first.streamPosition} (event ${first.eventId})`,
      )
    }
    if (first.prevHash !== head.hash) {
      throw new MigrationError(
        `stream ${streamId} position ${first.streamPosition} (event ${first.eventId}): its prev_hash does not continue the target's chain`,
      )
    }
    await target.importRecorded(streamId, group, head.version)
    const last = group[group.length - 1]!
    head.version = last.streamPosition
    head.hash = last.hash
    report.copied += group.length
    group = []
  }

  let after = LOG_START
  for (;;) {
    const page = await source.readAll({ after, limit: batchSize })
    for (const e of page.events) {
      const head = await headOf(e.streamId)
      const there = head.existing.get(e.streamPosition)
      if (there) {
        if (there.eventId !== e.eventId || there.hash !== e.hash) {
          throw new MigrationError(
            `stream ${e.streamId} position ${e.streamPosition}: the target holds event ${there.eventId} (hash ${there.hash.slice(0, 12)}…), ` +
              `the source event ${e.eventId} (hash ${e.hash.slice(0, 12)}…); nothing copied over it`,
          )
        }
        head.existing.delete(e.streamPosition)
        report.skipped++
        continue
      }
      if (group.length > 0 && (group[0]!.streamId !== e.streamId || group.length >= batchSize)) await flush()
      group.push(e)
    }
    await flush()
    after = page.position
    report.position = after
    options.onProgress?.(report)
    if (page.caughtUp) break
  }
  // The target holding events the source does not have is no copy of the source.
  for (const [streamId, head] of heads) {
    const extra = [...head.existing.values()][0]
    if (extra)
      throw new MigrationError(`stream ${streamId} position ${extra.streamPosition}: the target holds event ${extra.eventId}, which the source does not have`)
  }
  return report
}
