import crypto from 'node:crypto'
import t from 'tap'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { anEvent, events } from '../helpers/events.ts'

// Group commit sends concurrent appends (and stream reads) as one statement. A request the database refuses for
// a reason of its own — data PostgreSQL cannot store, a value a constraint refuses — must fail alone: the others
// sent beside it succeed (one such request once failed 68 of 200 valid ones).

const stream = () => `test-${crypto.randomUUID()}`

t.test('an append the database refuses fails alone; the appends batched with it are written', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql, { batchesInFlight: 1 })
  await store.append(stream(), events(1), { expectedVersion: 'no_stream' }) // the batches below wait behind nothing
  const refusals = {
    'a NUL in its data': anEvent({ note: 'a\u0000b' }),
    'a lone surrogate in its data': anEvent({ note: 'a\ud800b' }),
    'a schema version the table refuses': { ...anEvent(), schemaVersion: 0 },
  }
  for (const [reason, bad] of Object.entries(refusals)) {
    for (const expectedVersion of ['no_stream', 'any'] as const) {
      const good = Array.from({ length: 30 }, stream)
      const badStream = stream()
      // Submitted in one turn of the event loop: they go out as one batch.
      const settled = await Promise.allSettled([
        ...good.slice(0, 15).map((s) => store.append(s, events(1), { expectedVersion })),
        store.append(badStream, [bad], { expectedVersion }),
        ...good.slice(15).map((s) => store.append(s, events(1), { expectedVersion })),
      ])
      const badOutcome = settled.splice(15, 1)[0]!
      t.equal(badOutcome.status, 'rejected', `${reason} (${expectedVersion}): that append fails`)
      t.same(
        settled.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
        [],
        `${reason} (${expectedVersion}): every other append of its batch succeeds`,
      )
      t.same(
        await Promise.all(good.map((s) => store.streamVersion(s))),
        good.map(() => 0),
        'each holds its one event',
      )
      t.equal(await store.streamVersion(badStream), null, 'nothing of the refused append was written')
    }
  }
})

t.test('a stream read the database refuses fails alone; the reads batched with it answer', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql, { batchesInFlight: 1 })
  const good = Array.from({ length: 20 }, stream)
  for (const s of good) await store.append(s, events(2), { expectedVersion: 'no_stream' })
  const settled = await Promise.allSettled([...good.map((s) => store.readStream(s)), store.readStream('bad-\u0000-stream')])
  t.equal(settled.pop()!.status, 'rejected', 'the read of a stream id PostgreSQL cannot hold fails')
  t.ok(
    settled.every((r) => r.status === 'fulfilled' && r.value.length === 2),
    'every other read of its batch answers',
  )
})

t.test('an append to a stream id the database refuses fails alone, also when heads are read for the batch', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql, { batchesInFlight: 1 })
  const good = Array.from({ length: 20 }, stream)
  for (const s of good) await store.append(s, events(1), { expectedVersion: 'no_stream' })
  const fresh = new PostgresEventStore(db.sql, { batchesInFlight: 1 }) // knows no head: reads them for the batch
  const settled = await Promise.allSettled([
    ...good.map((s) => fresh.append(s, events(1), { expectedVersion: 'any' })),
    fresh.append('bad-\u0000-stream', events(1), { expectedVersion: 'any' }),
  ])
  t.equal(settled.pop()!.status, 'rejected')
  t.same(
    settled.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
    [],
    'every other append succeeds',
  )
  t.same(
    await Promise.all(good.map((s) => store.streamVersion(s))),
    good.map(() => 1),
    'each holds its two events',
  )
})
