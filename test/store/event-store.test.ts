import crypto from 'node:crypto'
import t from 'tap'
import { findChainBreak } from '../../src/store/chain.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { events } from '../helpers/events.ts'
import { storeContract } from './contract.ts'

// The store contract against PostgreSQL (the server when DATABASE_URL is set, embedded PGlite otherwise), each
// test on a database of its own; then what only PostgreSQL promises: the trigger, and tampering behind it.

const stream = () => `test-${crypto.randomUUID()}`

storeContract(t, async (t, options) => new PostgresEventStore((await testDatabase(t)).sql, options), { idsUniqueAcrossStreams: true })

t.test('the database refuses UPDATE, DELETE and TRUNCATE of events', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const s = stream()
  await store.append(s, events(2), { expectedVersion: 'no_stream' })
  const before = await store.readStream(s)
  await t.rejects(db.sql`UPDATE ledger.events SET data = '{"forged":true}' WHERE stream_id = ${s}`, /append-only/)
  await t.rejects(db.sql`DELETE FROM ledger.events WHERE stream_id = ${s}`, /append-only/)
  await t.rejects(db.sql`TRUNCATE ledger.events`, /append-only/)
  t.same(await store.readStream(s), before, 'the events are untouched')
})

t.test('hash chain: recomputation, and a row altered or deleted behind the trigger', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql, { now: () => new Date('2024-10-15T09:30:00.123Z') })
  const s = stream()
  await store.append(s, events(3), { expectedVersion: 'no_stream' })
  await store.append(s, events(2), { expectedVersion: 2 })
  const read = await store.readStream(s)

  // The documented encoding is checked by the store contract (contract.ts); here, what the trigger guards.
  t.equal(findChainBreak(read), null, 'the stored chain recomputes')

  // A superuser disables the trigger and edits one event: the chain names exactly that event.
  await db.sql.begin(async (tx) => {
    await tx`ALTER TABLE ledger.events DISABLE TRIGGER events_refuse_update_delete`
    await tx`UPDATE ledger.events SET data = jsonb_set(data, '{note}', '"forged"') WHERE event_id = ${read[3]!.eventId}`
    await tx`ALTER TABLE ledger.events ENABLE TRIGGER events_refuse_update_delete`
  })
  const broken = findChainBreak(await store.readStream(s))
  t.match(broken, { streamPosition: 3, eventId: read[3]!.eventId, problem: 'hash_mismatch', found: read[3]!.hash })

  // A deleted event leaves a gap.
  const s2 = stream()
  await store.append(s2, events(3), { expectedVersion: 'no_stream' })
  const victim = (await store.readStream(s2))[1]!
  await db.sql.begin(async (tx) => {
    await tx`ALTER TABLE ledger.events DISABLE TRIGGER events_refuse_update_delete`
    await tx`DELETE FROM ledger.events WHERE event_id = ${victim.eventId}`
    await tx`ALTER TABLE ledger.events ENABLE TRIGGER events_refuse_update_delete`
  })
  t.match(findChainBreak(await store.readStream(s2)), { problem: 'position_gap', streamPosition: 2 })
})
