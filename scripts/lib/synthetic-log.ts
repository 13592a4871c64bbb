// Valid, hash-chained events (PopulationRecorded of many synthetic municipalities) written straight through SQL
// in large batches: volume for measuring verify, rebuilds and appends on a long history. Not a way to write real
// history: the ledger's commands are.
import crypto from 'node:crypto'
import type { Sql } from '../../src/db/database.ts'
import { eventHash, GENESIS_HASH } from '../../src/store/hash.ts'

export interface SyntheticLogOptions {
  /** Events per stream (one INSERT statement each); default 1 000. */
  perStream?: number
  /** Streams are `municipality-{prefix}-{n}`: a new prefix lets a log be filled twice. Default `synthetic`. */
  prefix?: string
  /** Statements in flight at once; default 1. */
  concurrency?: number
  onProgress?: (written: number) => void
}

/** Appends `total` synthetic events to `ledger.events`; returns how many were written. */
export async function writeSyntheticEvents(sql: Sql, total: number, options: SyntheticLogOptions = {}): Promise<number> {
  const perStream = options.perStream ?? 1000
  const prefix = options.prefix ?? 'synthetic'
  const recordedAt = new Date('2024-09-01T00:00:00.000Z')
  const streamCount = Math.ceil(total / perStream)
  let nextStream = 0
  let written = 0
  const writeStream = async (streamNo: number) => {
    const streamId = `municipality-${prefix}-${streamNo}`
    const count = Math.min(perStream, total - streamNo * perStream)
    const rows = []
    let prevHash = GENESIS_HASH
    for (let p = 0; p < count; p++) {
      const e = {
        prevHash,
        streamId,
        streamPosition: p,
        eventId: crypto.randomUUID(),
        type: 'PopulationRecorded',
        schemaVersion: 1,
        data: { municipality: `${prefix}-${streamNo}`, year: 2000 + (p % 100), children5to18: 1000 + p },
        metadata: { actor: 'system:synthetic', correlationId: 'synthetic', causationId: null, idempotencyKey: null },
        recordedAt,
      }
      const hash = eventHash(e)
      rows.push({
        stream_position: p,
        event_id: e.eventId,
        type: e.type,
        schema_version: 1,
        data: e.data,
        metadata: e.metadata,
        recorded_at: recordedAt.toISOString(),
        prev_hash: prevHash,
        hash,
      })
      prevHash = hash
    }
    await sql`
      INSERT INTO ledger.events (stream_id, stream_position, event_id, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
      SELECT ${streamId}, r.stream_position, r.event_id, r.type, r.schema_version, r.data, r.metadata, r.recorded_at, r.prev_hash, r.hash
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) AS r(stream_position bigint, event_id uuid, type text, schema_version integer,
        data jsonb, metadata jsonb, recorded_at timestamptz, prev_hash text, hash text)
      ORDER BY r.stream_position`
    written += count
    options.onProgress?.(written)
  }
  // Each worker takes the next stream until none is left; streams are independent, so order does not matter.
  const worker = async () => {
    while (nextStream < streamCount) await writeStream(nextStream++)
  }
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker))
  return written
}
