// Development script: fills a database's log with N valid, hash-chained events (PopulationRecorded of many
// municipalities, 1 000 per stream) straight through SQL, to measure `ledger verify` and rebuilds on a long
// history. Not a way to write real history: the ledger's commands are. Usage:
//   DATABASE_URL=… npx tsx scripts/synthetic-log.ts 1000000
import postgres from 'postgres'
import { prepareDatabase } from '../src/db/setup.ts'
import { writeSyntheticEvents } from './lib/synthetic-log.ts'

const total = Number(process.argv[2] ?? 100_000)
const url = process.env.DATABASE_URL
if (!url) throw new Error('set DATABASE_URL')
const sql = postgres(url, { max: 4, onnotice: () => {} })
await prepareDatabase(sql)
const started = Date.now()
const written = await writeSyntheticEvents(sql, total)
process.stderr.write(`${written} events in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
await sql.end()
