import t from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { dumpGeneration, readCheckpoint } from '../../projections/postgres.ts'
import { activeSchema, rebuildProjection } from '../../projections/runner.ts'
import { Application } from '../../src/app/context.ts'
import { requestContract } from '../../src/app/contracts.ts'
import { openDatabase } from '../../src/db/database.ts'
import { prepareDatabase } from '../../src/db/setup.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { runCli, startCli } from '../helpers/cli.ts'
import { createServerDatabase, onServer } from '../helpers/database.ts'
import { activeCertificate, ctx, smallWorld } from '../helpers/world.ts'

// The runner as a real process, killed with SIGKILL in the middle of its work, then run again: the read models
// equal a rebuild from scratch. A killed process cannot leave a PGlite directory in a known state, so this runs
// against the PostgreSQL server.
const skip = onServer ? false : 'kills a process holding the database: set DATABASE_URL to run on a PostgreSQL server'

t.test('a runner process killed mid-way resumes with nothing lost or doubled', { skip }, async (t) => {
  const url = await createServerDatabase(t)
  const db = await openDatabase({ databaseUrl: url, poolSize: 5 })
  t.teardown(() => db.close())
  await prepareDatabase(db.sql)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  await smallWorld(app, { cap: 200, capacity: 200, groups: 2 })
  for (let i = 1; i <= 120; i++) {
    const { number } = await activeCertificate(app, i)
    await requestContract(app, ctx(), {
      certificateNumber: number,
      groupId: i % 2 ? 'robotics-1' : 'robotics-2',
      requestedOn: '2024-10-01',
      startDate: '2024-10-15',
    })
  }
  const total = (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ledger.events`)[0]!.n

  const contractsSchema = (await activeSchema(db.sql, 'contracts')).schema
  const child = startCli(['projections', 'run', '--batch-size', '5'], { DATABASE_URL: url })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  const deadline = Date.now() + 60_000
  let applied = 0
  while (Date.now() < deadline) {
    applied = (await readCheckpoint(db.sql, contractsSchema)).eventsApplied
    if (applied > 0) break
    await new Promise((r) => setTimeout(r, 5))
  }
  child.kill('SIGKILL')
  await exited
  const atKill = (await readCheckpoint(db.sql, contractsSchema)).eventsApplied
  t.ok(atKill > 0 && atKill < total, `killed part-way (${atKill} of ${total} events applied)`)

  const resumed = await runCli(['projections', 'run', '--once'], { DATABASE_URL: url })
  t.equal(resumed.code, 0, resumed.stderr)
  const afterResume: Record<string, unknown> = {}
  for (const p of PROJECTIONS) afterResume[p.name] = await dumpGeneration(db.sql, p, (await activeSchema(db.sql, p.name)).schema)
  for (const p of PROJECTIONS)
    t.equal((await readCheckpoint(db.sql, (await activeSchema(db.sql, p.name)).schema)).eventsApplied, total, `${p.name}: every event applied exactly once`)
  for (const p of PROJECTIONS) await rebuildProjection(db.sql, store, p)
  const rebuilt: Record<string, unknown> = {}
  for (const p of PROJECTIONS) rebuilt[p.name] = await dumpGeneration(db.sql, p, (await activeSchema(db.sql, p.name)).schema)
  t.same(afterResume, rebuilt, 'the resumed read models equal a rebuild from scratch')
})
