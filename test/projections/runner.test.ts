import t, { type Test } from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { dumpGeneration } from '../../projections/postgres.ts'
import { activeSchema, ProjectionRunner, projectionStatus, rebuildProjection } from '../../projections/runner.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { activeCertificate, ctx, smallWorld } from '../helpers/world.ts'

async function setup(t: Test) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  await smallWorld(app)
  const { number } = await activeCertificate(app, 1)
  const c = await requestContract(app, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(app, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  return { db, store, app, number, contractId: c.contractId }
}

const dumpAll = async (sql: Parameters<typeof dumpGeneration>[0]) => {
  const out: Record<string, unknown> = {}
  for (const p of PROJECTIONS) out[p.name] = await dumpGeneration(sql, p, (await activeSchema(sql as never, p.name)).schema)
  return out
}

t.test('a batch killed between apply and commit leaves nothing; the restart gives the uninterrupted rows', async (t) => {
  const { db, store } = await setup(t)
  let crashes = 0
  const crashing = new ProjectionRunner(db.sql, store, PROJECTIONS, {
    batchSize: 7,
    faults: (point) => {
      if (point.startsWith('projection:contracts') && crashes < 3) {
        crashes++
        throw new Error('killed before commit')
      }
    },
  })
  for (let i = 0; i < 3; i++) await t.rejects(crashing.catchUp(), /killed before commit/)
  const after = await crashing.catchUp()
  t.ok(after > 0, 'the restart applies the rest')
  const crashed = await dumpAll(db.sql)
  const status = await projectionStatus(db.sql, store, PROJECTIONS)
  t.ok(
    status.every((s) => s.lag === 0),
    'every projection caught up',
  )

  // The same log through a runner that never crashed, into fresh generations.
  const before = (await projectionStatus(db.sql, store, PROJECTIONS)).map((s) => s.schema)
  for (const p of PROJECTIONS) await rebuildProjection(db.sql, store, p)
  t.same(await dumpAll(db.sql), crashed, 'row for row the same as without the crashes')
  const rebuilt = (await projectionStatus(db.sql, store, PROJECTIONS)).map((s) => s.schema)
  t.ok(
    rebuilt.every((schema, i) => schema !== before[i]),
    'each rebuilt into a new generation',
  )
  const left = await db.sql`SELECT nspname FROM pg_namespace WHERE nspname IN ${db.sql(before)}`
  t.equal(left.length, 0, 'the old generations are dropped')
})
