// Development script: fills a database's log with N valid, hash-chained events (PopulationRecorded of many
// municipalities, 1 000 per stream) straight through SQL, to measure `ledger verify` and rebuilds on a long
// history. Not a way to write real history: the ledger's commands are. Usage:
//   DATABASE_URL=… npx tsx scripts/synthetic-log.ts 1000000
import crypto from 'node:crypto'
import postgres from 'postgres'
import { prepareDatabase } from '../src/db/setup.ts'
import { eventHash, GENESIS_HASH } from '../src/store/hash.ts'

const total = Number(process.argv[2] ?? 100_000)
const url = process.env.DATABASE_URL
if (!url) throw new Error('set DATABASE_URL')
const sql = postgres(url, { max: 4, onnotice: () => {} })
await prepareDatabase(sql)
const recordedAt = new Date('2024-09-01T00:00:00.000Z')
const perStream = 1000
let written = 0
const started = Date.now()
while (written < total) {
  const rows = []
  const streamNo = Math.floor(written / perStream)
  const streamId = `municipality-synthetic-${streamNo}`
  let prevHash = GENESIS_HASH
  for (let p = 0; p < perStream && written + p < total; p++) {
    const e = {
      prevHash, streamId, streamPosition: p, eventId: crypto.randomUUID(), type: 'PopulationRecorded', schemaVersion: 1,
      data: { municipality: `synthetic-${streamNo}`, year: 2000 + (p % 100), children5to18: 1000 + p },
      metadata: { actor: 'system:synthetic', correlationId: 'synthetic', causationId: null, idempotencyKey: null }, recordedAt,
    }
    const hash = eventHash(e)
    rows.push({ stream_position: p, event_id: e.eventId, type: e.type, schema_version: 1, data: e.data, metadata: e.metadata, recorded_at: recordedAt.toISOString(), prev_hash: prevHash, hash })
    prevHash = hash
  }
  await sql`
    INSERT INTO ledger.events (stream_id, stream_position, event_id, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
    SELECT ${streamId}, r.stream_position, r.event_id, r.type, r.schema_version, r.data, r.metadata, r.recorded_at, r.prev_hash, r.hash
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) AS r(stream_position bigint, event_id uuid, type text, schema_version integer,
      data jsonb, metadata jsonb, recorded_at timestamptz, prev_hash text, hash text)
    ORDER BY r.stream_position`
  written += rows.length
}
process.stderr.write(`${written} events in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
await sql.end()
