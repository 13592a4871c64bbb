// The subject indexes (migrations 0004, 0011): readTouching's statement is answered from them, and they hold
// only the events that name their subject, so the rest of a long log does not make them grow.
import crypto from 'node:crypto'
import t from 'tap'
import type { Sql } from '../../src/db/database.ts'
import { ledgerMigrations, migrate } from '../../src/db/migrate.ts'
import type { SubjectFilter } from '../../src/store/port.ts'
import { PostgresEventStore, touchingQuery } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { anEvent } from '../helpers/events.ts'

const INDEX = { certificateNumber: 'events_certificate_number', contractId: 'events_contract_id' } as const

/**
 * The index names in the plan of readTouching's statement for `subject`: the plan for these values (as the first
 * executions get), or with `generic` the plan a prepared statement may keep for any values.
 */
async function indexesOfPlan(
  sql: Sql,
  subject: SubjectFilter,
  options: { generic?: boolean; unprompted?: boolean; bound?: Parameters<typeof touchingQuery>[2] } = {},
) {
  return sql.begin(async (tx) => {
    // With a sequential scan priced out the planner takes any index that can answer; it must be the subject's.
    if (!options.unprompted) await tx`SET LOCAL enable_seqscan = off`
    const query = touchingQuery(tx as unknown as Sql, subject, options.bound)
    let plan: unknown
    if (options.generic) {
      // The driver's own text and parameters; the values (NULL) do not matter to a generic plan.
      const { string, types } = await query.describe()
      await tx.unsafe(`PREPARE touching AS ${string}`)
      await tx`SET LOCAL plan_cache_mode = force_generic_plan`
      ;[plan] = await tx.unsafe(`EXPLAIN (FORMAT JSON) EXECUTE touching(${types.map(() => 'NULL').join(', ')})`)
      await tx.unsafe('DEALLOCATE touching')
    } else {
      ;[plan] = await tx`EXPLAIN (FORMAT JSON) ${query}`
    }
    return [...JSON.stringify(plan).matchAll(/"Index Name":\s*"([^"]+)"/g)].map((m) => m[1]!)
  })
}

t.test("readTouching's statement uses the subject's partial index, in custom and generic plans", async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  // A log mostly of events that name neither subject, as a long history is.
  for (let s = 0; s < 20; s++) {
    const batch = Array.from({ length: 50 }, (_, i) =>
      i % 10 === 0 ? anEvent({ certificateNumber: `C${s}-${i}`, contractId: crypto.randomUUID() }) : anEvent({ municipality: `m${s}` }),
    )
    await store.append(`subject-test-${s}`, batch, { expectedVersion: 'no_stream' })
  }
  await db.sql`ANALYZE ledger.events`
  const bound = { upTo: { transactionId: 2n ** 40n, globalPosition: 500n }, recordedBefore: new Date('2100-01-01') }
  for (const key of ['certificateNumber', 'contractId'] as const) {
    const subject = { [key]: key === 'certificateNumber' ? 'C3-10' : crypto.randomUUID() }
    for (const generic of [false, true]) {
      const plan = generic ? 'generic plan' : 'custom plan'
      t.same(await indexesOfPlan(db.sql, subject, { generic }), [INDEX[key]], `${key}, ${plan}`)
      t.same(await indexesOfPlan(db.sql, subject, { generic, bound }), [INDEX[key]], `${key}, ${plan}, with both bounds`)
    }
    t.same(await indexesOfPlan(db.sql, subject, { unprompted: true }), [INDEX[key]], `${key}: chosen unprompted on a log of 1 000 events`)
  }
})

t.test('the subject indexes hold only the events that name their subject', async (t) => {
  const db = await testDatabase(t)
  const rows = await db.sql<{ name: string; def: string }[]>`
    SELECT c.relname AS name, pg_get_indexdef(c.oid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'ledger.events'::regclass AND c.relname IN ('events_certificate_number', 'events_contract_id') ORDER BY c.relname`
  t.equal(rows.length, 2)
  for (const { name, def } of rows) {
    const key = name === INDEX.certificateNumber ? 'certificateNumber' : 'contractId'
    t.match(def, new RegExp(`WHERE \\(\\(data ->> '${key}'::text\\) IS NOT NULL\\)$`), `${name} is partial on its own key`)
  }
})

t.test('a log written under the full indexes of 0004 reads the same after 0011 rebuilds them partial', async (t) => {
  const db = await testDatabase(t, { migrate: false })
  const all = ledgerMigrations()
  const split = all.findIndex((m) => m.id.startsWith('0011_'))
  t.ok(split > 0, 'migration 0011 exists')
  await migrate(db.sql, all.slice(0, split))
  const store = new PostgresEventStore(db.sql)
  const n = `cert-${crypto.randomUUID()}`
  const c = crypto.randomUUID()
  const written = await store.append(
    'subject-before-0011',
    [anEvent({ certificateNumber: n }), anEvent({ other: 1 }), anEvent({ certificateNumber: n, contractId: c }), anEvent({ contractId: c })],
    { expectedVersion: 'no_stream' },
  )
  const ids = written.positions.map((p) => p.eventId)
  const report = await migrate(db.sql, all)
  t.same(
    report.applied,
    all.slice(split).map((m) => m.id),
  )
  t.same(
    (await store.readTouching({ certificateNumber: n })).map((e) => e.eventId),
    [ids[0], ids[2]],
  )
  t.same(
    (await store.readTouching({ contractId: c })).map((e) => e.eventId),
    [ids[2], ids[3]],
  )
})
