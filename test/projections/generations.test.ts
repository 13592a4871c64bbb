import t, { type Test } from 'tap'
import { dropAbandonedGenerations, GenerationClaims } from '../../projections/generations.ts'
import { PROJECTIONS } from '../../projections/index.ts'
import { createGeneration, schemaFor } from '../../projections/postgres.ts'
import { activeSchema, ProjectionRunner, rebuildProjections } from '../../projections/runner.ts'
import { Application } from '../../src/app/context.ts'
import type { Sql } from '../../src/db/database.ts'
import type { EventStore } from '../../src/store/port.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { activeCertificate, smallWorld } from '../helpers/world.ts'

// Generations a rebuild left behind (killed before its switch: a real kill is test/projections/rebuild-kill.test.ts)
// are dropped by the next rebuild and by the runner's start; the active generation and a generation a live
// rebuild is building never are.

const contracts = PROJECTIONS.find((p) => p.name === 'contracts')!

async function setup(t: Test) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  await smallWorld(app)
  await activeCertificate(app, 1)
  return { db, store }
}

const projectionSchemas = async (sql: Sql) =>
  (await sql<{ nspname: string }[]>`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'proj\\_%' ORDER BY nspname`).map((r) => r.nspname)
const activeSchemas = async (sql: Sql) => (await Promise.all(PROJECTIONS.map(async (p) => (await activeSchema(sql, p.name)).schema))).sort()

/** What a rebuild killed after creating its generation leaves: the schema, filled or not, never switched to. */
async function abandon(sql: Sql, generation: number) {
  const schema = schemaFor('contracts', generation)
  await sql.begin((tx) => createGeneration(tx, contracts, schema))
  return schema
}

t.test('a later rebuild drops what a killed one left; the active generations stay', async (t) => {
  const { db, store } = await setup(t)
  const left = [await abandon(db.sql, 9001), await abandon(db.sql, 9002)]
  t.same(
    (await projectionSchemas(db.sql)).filter((s) => left.includes(s)),
    left,
    'the leftovers are there',
  )
  await rebuildProjections(db.sql, store, PROJECTIONS)
  t.same(await projectionSchemas(db.sql), await activeSchemas(db.sql), 'after the rebuild only the active generations exist')
})

t.test("the runner's start drops them too, never the active one", async (t) => {
  const { db, store } = await setup(t)
  const before = await activeSchemas(db.sql)
  await abandon(db.sql, 9003)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS, { idleMs: 10 })
  const errors: unknown[] = []
  runner.start((e) => errors.push(e))
  await runner.catchUp()
  await runner.stop()
  t.same(errors, [])
  t.same(await projectionSchemas(db.sql), before, 'the leftover is gone, every active generation is there')
})

t.test('a generation claimed by a live rebuild is not dropped; once released it is', async (t) => {
  const { db } = await setup(t)
  const claims = new GenerationClaims(db.sql)
  const schema = schemaFor('contracts', 9004)
  await claims.claim(schema, 9004)
  await db.sql.begin((tx) => createGeneration(tx, contracts, schema))
  t.same(await dropAbandonedGenerations(db.sql), [], 'claimed: kept')
  t.ok((await projectionSchemas(db.sql)).includes(schema))
  await claims.release()
  t.same(await dropAbandonedGenerations(db.sql), [schema], 'released without a switch: dropped')
})

t.test('a rebuild that fails before its switch leaves no generation behind', async (t) => {
  const { db, store } = await setup(t)
  const before = await activeSchemas(db.sql)
  let reads = 0
  const failing: EventStore = new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'readAll') {
        return async (...args: Parameters<EventStore['readAll']>) => {
          if (++reads > 1) throw new Error('the log went away')
          return target.readAll(...args)
        }
      }
      const value = Reflect.get(target, key, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  await t.rejects(rebuildProjections(db.sql, failing, PROJECTIONS, { batchSize: 5 }), /the log went away/)
  t.same(await projectionSchemas(db.sql), before, 'only the active generations, as before')
})
