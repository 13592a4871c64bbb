import t from 'tap'
import { dropAbandonedGenerations } from '../../projections/generations.ts'
import { PROJECTIONS } from '../../projections/index.ts'
import { activeSchema } from '../../projections/runner.ts'
import { writeSyntheticEvents } from '../../scripts/lib/synthetic-log.ts'
import { openDatabase, type Sql } from '../../src/db/database.ts'
import { prepareDatabase } from '../../src/db/setup.ts'
import { runCli, startCli } from '../helpers/cli.ts'
import { createServerDatabase, onServer } from '../helpers/database.ts'

// `ledger projections rebuild` killed with SIGKILL after it created its generations and before it switched to
// them: the partial schemas it leaves are dropped by the next rebuild and by the runner's start, and a live
// rebuild's generations are not dropped by another process. A killed process cannot leave a PGlite directory in a
// known state, so this runs against the PostgreSQL server (test/projections/generations.test.ts runs on both).
const skip = onServer ? false : 'kills a process holding the database: set DATABASE_URL to run on a PostgreSQL server'

const schemasOf = async (sql: Sql) =>
  (await sql<{ nspname: string }[]>`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'proj\\_%' ORDER BY nspname`).map((r) => r.nspname)
const activeOf = async (sql: Sql) => (await Promise.all(PROJECTIONS.map(async (p) => (await activeSchema(sql, p.name)).schema))).sort()
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('generations of a killed rebuild are dropped, never the active ones nor those of a live rebuild', { skip }, async (t) => {
  const url = await createServerDatabase(t)
  const db = await openDatabase({ databaseUrl: url, poolSize: 4 })
  t.teardown(() => db.close())
  await prepareDatabase(db.sql)
  await writeSyntheticEvents(db.sql, 60_000, { concurrency: 2 }) // a rebuild long enough to be caught in the middle
  const env = { DATABASE_URL: url }

  /** Starts a rebuild and returns once it has created a new generation of every projection. */
  const rebuildUnderWay = async () => {
    const before = await schemasOf(db.sql)
    const child = startCli(['projections', 'rebuild'], env)
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    let fresh: string[] = []
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && fresh.length < PROJECTIONS.length; await pause(10)) {
      fresh = (await schemasOf(db.sql)).filter((s) => !before.includes(s))
    }
    return { child, exited, fresh }
  }

  // 1. Killed, then a later rebuild.
  const active = await activeOf(db.sql)
  const first = await rebuildUnderWay()
  first.child.kill('SIGKILL')
  await first.exited
  t.equal(first.fresh.length, PROJECTIONS.length, `the killed rebuild had created ${first.fresh.length} generations`)
  t.same(await activeOf(db.sql), active, 'it never switched to them')
  t.same(
    (await schemasOf(db.sql)).filter((s) => !active.includes(s)),
    first.fresh,
    'and left them behind',
  )
  const again = await runCli(['projections', 'rebuild'], env)
  t.equal(again.code, 0, again.stderr)
  const afterRebuild = await activeOf(db.sql)
  t.same(await schemasOf(db.sql), afterRebuild, 'the next rebuild dropped them: only the active generations remain')
  t.notSame(afterRebuild, active, 'which are the new ones')

  // 2. Killed, then the runner starts.
  const second = await rebuildUnderWay()
  second.child.kill('SIGKILL')
  await second.exited
  t.ok(second.fresh.length > 0, 'a second rebuild killed')
  const runner = startCli(['projections', 'run'], env)
  const runnerExited = new Promise<number | null>((resolve) => runner.on('exit', (code) => resolve(code)))
  let remaining = second.fresh
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && remaining.length > 0; await pause(50)) {
    const now = await schemasOf(db.sql)
    remaining = second.fresh.filter((s) => now.includes(s))
  }
  runner.kill('SIGTERM')
  t.equal(await runnerExited, 0, 'the runner stops on SIGTERM')
  t.same(remaining, [], "the runner's start dropped them")
  t.same(await schemasOf(db.sql), afterRebuild, 'and nothing else')

  // 3. A live rebuild in another process: its generations are claimed, so a cleanup here leaves them alone.
  const live = await rebuildUnderWay()
  t.equal(live.fresh.length, PROJECTIONS.length)
  const dropped = await dropAbandonedGenerations(db.sql)
  const stillThere = (await schemasOf(db.sql)).filter((s) => live.fresh.includes(s))
  const code = await live.exited
  t.same(dropped, [], 'a cleanup while the rebuild runs drops nothing')
  t.same(stillThere, live.fresh, "the live rebuild's generations were all there")
  t.equal(code, 0, 'and it finished')
  t.same(await activeOf(db.sql), live.fresh.sort(), 'readers switched to them')
  t.same(await schemasOf(db.sql), live.fresh.sort(), 'nothing else is left')
})
