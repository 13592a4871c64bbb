import t from 'tap'
import { openDatabase } from '../../src/db/database.ts'

// The embedded database's wire protocol crosses threads over a MessagePort, every complete message a connection sent
// handed to PGlite at once (src/db/embedded-worker.mjs): what postgres.js pipelines must come back each to its own
// query, an error must stay with its statement, and a large answer must arrive whole.

t.test('pipelined queries each get their own answer; a failing one fails alone', async (t) => {
  const db = await openDatabase({ dataDir: 'memory://' })
  t.teardown(() => db.close())
  const n = 300
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => (i === 150 ? db.sql`SELECT 1 / ${0}::int AS x` : db.sql<{ x: number }[]>`SELECT ${i}::int AS x`)),
  )
  const wrong = results.flatMap((r, i) => (i === 150 ? [] : r.status === 'fulfilled' && r.value[0]?.x === i ? [] : [i]))
  t.same(wrong, [], 'every other query answered with its own value')
  const failed = results[150]!
  t.equal(failed.status, 'rejected')
  t.match(failed.status === 'rejected' ? String(failed.reason) : '', /division by zero/)
})

t.test('a transaction rolled back leaves nothing; one committed is kept; the connection goes on', async (t) => {
  const db = await openDatabase({ dataDir: 'memory://' })
  t.teardown(() => db.close())
  await db.sql`CREATE TABLE kept (n int)`
  await t.rejects(
    db.sql.begin(async (tx) => {
      await tx`INSERT INTO kept VALUES (1)`
      await tx`SELECT 1 / 0`
    }),
  )
  await db.sql.begin((tx) => tx`INSERT INTO kept VALUES (2)`)
  t.same(
    (await db.sql<{ n: number }[]>`SELECT n FROM kept`).map((r) => r.n),
    [2],
  )
})

t.test('an answer of several megabytes arrives whole', async (t) => {
  const db = await openDatabase({ dataDir: 'memory://' })
  t.teardown(() => db.close())
  const size = 6_000_000
  const [row] = await db.sql<{ s: string }[]>`SELECT repeat('ж', ${size}) AS s`
  t.equal(row!.s.length, size)
  t.ok(/^ж+$/.test(row!.s))
})
