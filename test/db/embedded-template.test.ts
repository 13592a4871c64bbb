// A new embedded database starts from a kept copy of a freshly initialised one (issue 16: initdb is most of an
// embedded test run's time). The copy must give a database like any other, independent of the others made from
// it, and a damaged copy must cost an initdb, never a failure.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { openDatabase } from '../../src/db/database.ts'
import { prepareDatabase } from '../../src/db/setup.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-template-'))
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
const template = path.join(dir, 'cache', 'pglite.tar.gz')

async function open(dataDir: string) {
  const db = await openDatabase({ dataDir, pgliteTemplate: template })
  t.teardown(() => db.close())
  await prepareDatabase(db.sql)
  return db
}

t.test('a damaged copy costs an initdb and is replaced; the next databases start from it, each its own', async (t) => {
  // One initdb in all (it is the slow part): the damaged copy makes the first database initialise itself.
  fs.mkdirSync(path.dirname(template), { recursive: true })
  fs.writeFileSync(template, 'not a tarball')
  const first = await open('memory://')
  const [row] = await first.sql<{ found: boolean }[]>`SELECT to_regclass('ledger.events') IS NOT NULL AS found`
  t.ok(row?.found, 'the database with a damaged copy opened and migrated')
  t.ok(fs.statSync(template).size > 1000, 'the damaged copy was replaced by a good one')
  t.same(
    fs.readdirSync(path.dirname(template)).filter((name) => name.endsWith('.partial')),
    [],
    'nothing half-written is left beside it',
  )
  const second = await open('memory://')
  const onDisk = await open(path.join(dir, 'ledger'))
  await first.sql`CREATE TABLE public.only_in_first (n int)`
  await second.sql`INSERT INTO ledger.events (stream_id, stream_position, event_id, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
    VALUES ('probe-1', 0, gen_random_uuid(), 'Probe', 1, '{}', '{}', now(), ${'0'.repeat(64)}, ${'1'.repeat(64)})`
  const count = async (db: typeof first) => (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ledger.events`)[0]!.n
  t.same([await count(first), await count(second), await count(onDisk)], [0, 1, 0], 'an event in one is in no other')
  const [{ table } = { table: null }] = await second.sql<{ table: string | null }[]>`SELECT to_regclass('public.only_in_first')::text AS table`
  t.equal(table, null, 'a table made in one is in no other')
  t.ok(fs.existsSync(path.join(dir, 'ledger', 'pgdata', 'PG_VERSION')), 'a data directory started from the copy is a PostgreSQL data directory')
})
