import crypto from 'node:crypto'
import t from 'tap'
import { LOG_START, type LogPosition, type RecordedEvent } from '../../src/store/port.ts'
import { appendWithin, PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { onServer, testDatabase } from '../helpers/database.ts'
import { anEvent } from '../helpers/events.ts'

// Two transactions open at once need two connections; embedded PGlite has exactly one, where no late
// commit can happen. These cases therefore run on the PostgreSQL server (CI sets DATABASE_URL).
const skip = onServer ? false : 'needs two concurrent transactions: set DATABASE_URL to run on a PostgreSQL server'

async function readAllFrom(store: PostgresEventStore, after: LogPosition) {
  const page = await store.readAll({ after, limit: 1000 })
  return { ids: page.events.map((e: RecordedEvent) => e.eventId), position: page.position }
}

t.test('a lower position committing after a higher one is delivered, not skipped', { skip }, async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const early = await db.sql.reserve()
  const late = await db.sql.reserve()
  t.teardown(() => {
    early.release()
    late.release()
  })
  const first = anEvent({ who: 'holds the lower position' })
  const second = anEvent({ who: 'commits first' })

  await early`BEGIN`
  const a = await appendWithin(early, `s-${crypto.randomUUID()}`, [first], 'no_stream')
  await late`BEGIN`
  const b = await appendWithin(late, `s-${crypto.randomUUID()}`, [second], 'no_stream')
  t.ok(a.positions[0]!.globalPosition < b.positions[0]!.globalPosition, 'the open transaction holds the lower position')
  await late`COMMIT`

  const whileOpen = await readAllFrom(store, LOG_START)
  t.notOk(whileOpen.ids.includes(first.eventId), 'an uncommitted event is not delivered')
  t.notOk(whileOpen.ids.includes(second.eventId), 'nor a later one, which would move the reader past the open lower position')

  await early`COMMIT`
  // Other transactions of the cluster (other tests' databases) may hold the snapshot's xmin back a moment:
  // keep reading from the last position, as a subscription does, until both arrive.
  const delivered: string[] = []
  let position = whileOpen.position
  for (const deadline = Date.now() + 20_000; delivered.length < 2 && Date.now() < deadline; ) {
    const page = await readAllFrom(store, position)
    delivered.push(...page.ids)
    position = page.position
    if (delivered.length < 2) await new Promise((r) => setTimeout(r, 20))
  }
  t.same(delivered, [first.eventId, second.eventId], 'both delivered once the gap closed, each once, in that order')
  const again = await readAllFrom(store, position)
  t.same(again.ids, [], 'nothing delivered twice')
})

t.test('transaction order unlike position order: the reader keeps the order of (transaction, position)', { skip }, async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const older = await db.sql.reserve()
  const younger = await db.sql.reserve()
  t.teardown(() => {
    older.release()
    younger.release()
  })
  const e1 = anEvent({ who: 'older transaction, higher position' })
  const e2 = anEvent({ who: 'younger transaction, lower position' })

  await older`BEGIN`
  await older`SELECT pg_current_xact_id()` // takes its transaction id now
  await younger`BEGIN`
  await younger`SELECT pg_current_xact_id()`
  const low = await appendWithin(younger, `s-${crypto.randomUUID()}`, [e2], 'no_stream')
  const high = await appendWithin(older, `s-${crypto.randomUUID()}`, [e1], 'no_stream')
  t.ok(low.positions[0]!.globalPosition < high.positions[0]!.globalPosition)
  await younger`COMMIT`
  const mid = await readAllFrom(store, LOG_START)
  t.same(mid.ids, [], 'the younger commit waits behind the older open transaction')
  await older`COMMIT`

  // A reader checkpointing on the global position alone would take e1 (higher) first and then skip e2.
  // (Wait until another database's transaction no longer holds the cluster's xmin back.)
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    if ((await store.readAll({ after: mid.position, limit: 2 })).events.length === 2) break
    await new Promise((r) => setTimeout(r, 20))
  }
  const page1 = await store.readAll({ after: mid.position, limit: 1 })
  t.same(
    page1.events.map((e) => e.eventId),
    [e1.eventId],
    'the older transaction first',
  )
  const page2 = await store.readAll({ after: page1.position, limit: 1 })
  t.same(
    page2.events.map((e) => e.eventId),
    [e2.eventId],
    'then the lower position of the younger one, not skipped',
  )
})

t.test('a subscription running through many racing writers misses and repeats nothing', { skip }, async (t) => {
  const db = await testDatabase(t, { poolSize: 20 })
  const store = new PostgresEventStore(db.sql)
  const seen: string[] = []
  const sub = store.subscribeToAll({
    batchSize: 7,
    idleMs: 1,
    onEvents: async (batch) => {
      seen.push(...batch.map((e) => e.eventId))
    },
  })
  const written: string[] = []
  // Each writer holds its transaction a random moment after inserting, so commits land out of position order.
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      const s = `s-${crypto.randomUUID()}`
      for (let i = 0; i < 30; i++) {
        const e = anEvent({ i })
        await db.sql.begin(async (tx) => {
          await appendWithin(tx, s, [e], i === 0 ? 'no_stream' : i - 1)
          await new Promise((r) => setTimeout(r, Math.random() * 5))
        })
        written.push(e.eventId)
      }
    }),
  )
  const deadline = Date.now() + 30_000
  while (seen.length < written.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  await sub.stop()
  t.equal(seen.length, written.length, 'as many delivered as written')
  t.equal(new Set(seen).size, seen.length, 'none twice')
  t.same([...seen].sort(), [...written].sort(), 'none missed')
})

t.test('a one-shot read to the committed end waits for the transactions running when it began, then has them all', { skip }, async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const open = await db.sql.reserve()
  t.teardown(() => open.release())
  // A transaction that began before the append and is still running (another database's would do the same).
  await open`BEGIN`
  await open`SELECT pg_current_xact_id()`
  const appended = anEvent({ who: 'committed while an older transaction runs' })
  await store.append(`s-${crypto.randomUUID()}`, [appended], { expectedVersion: 'no_stream' })
  t.notOk((await readAllFrom(store, LOG_START)).ids.includes(appended.eventId), 'a following reader does not see it yet')

  let ended = false
  const endTaken = store.committedEnd().then((end) => {
    ended = true
    return end
  })
  await new Promise((r) => setTimeout(r, 300))
  t.notOk(ended, 'the end is not given while the older transaction runs')
  await open`COMMIT`
  const end = await endTaken
  const page = await store.readAll({ after: LOG_START, limit: 1000, end })
  t.ok(page.events.map((e) => e.eventId).includes(appended.eventId), 'read to that end, the event committed before it is there')

  // What commits after the end was taken stays out of a read to it: the cut holds.
  const later = anEvent({ who: 'after the end' })
  await store.append(`s-${crypto.randomUUID()}`, [later], { expectedVersion: 'no_stream' })
  const again = await store.readAll({ after: LOG_START, limit: 1000, end })
  t.notOk(again.events.map((e) => e.eventId).includes(later.eventId), 'an event committed after the end is not in the read')
})
