import crypto from 'node:crypto'
import t from 'tap'
import { Application, systemMetadata } from '../../src/app/context.ts'
import { openGroup, registerProgramme, registerProvider } from '../../src/app/registry.ts'
import { streams } from '../../src/app/streams.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { groupDecider } from '../../src/domain/group.ts'
import { findChainBreak } from '../../src/store/chain.ts'
import { WrongExpectedVersionError } from '../../src/store/port.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { events } from '../helpers/events.ts'

// Group commit: appends made while others are in flight go out together, and steps queued on one stream are
// decided in turn and appended at once. These tests show the outcome is the one of running them one by one.

const stream = () => `test-${crypto.randomUUID()}`
const contract = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`

t.test('concurrent appends to distinct streams share transactions, each lands where it should', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql, { batchesInFlight: 1 })
  const ids = Array.from({ length: 200 }, stream)
  const results = await Promise.all(ids.map((s) => store.append(s, events(2), { expectedVersion: 'no_stream' })))
  t.ok(
    results.every((r) => r.nextExpectedVersion === 1 && !r.alreadyAppended),
    'every stream got its two events at 0 and 1',
  )
  // To the end committed now: another test's transaction on the server must not hide some of them from the count.
  const all = (await store.readAll({ limit: 10_000, end: await store.committedEnd() })).events
  const transactions = new Set(all.map((e) => e.transactionId))
  t.equal(all.length, 400)
  t.ok(transactions.size < 50, `400 events in ${transactions.size} transactions, not 200`)
  for (const s of ids) t.equal(findChainBreak(await store.readStream(s)), null)
})

t.test('one wrong expected version in a batch fails alone; a retry in the same batch is answered as a retry', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql, { batchesInFlight: 1 })
  const target = stream()
  await store.append(target, events(2), { expectedVersion: 'no_stream' })
  const retried = stream()
  const first = events(1)
  await store.append(retried, first, { expectedVersion: 'no_stream' })
  const others = Array.from({ length: 50 }, stream)
  const settled = await Promise.allSettled([
    store.append(target, events(1), { expectedVersion: 0 }),
    store.append(retried, first, { expectedVersion: 'no_stream' }),
    ...others.map((s) => store.append(s, events(1), { expectedVersion: 'no_stream' })),
  ])
  t.ok(settled[0]!.status === 'rejected' && settled[0]!.reason instanceof WrongExpectedVersionError, 'the stale expectation is a conflict')
  t.ok(settled[1]!.status === 'fulfilled' && settled[1]!.value.alreadyAppended, 'the retry returns the first result')
  t.ok(
    settled.slice(2).every((r) => r.status === 'fulfilled'),
    'the others are appended',
  )
  t.equal(await store.streamVersion(target), 1, 'nothing written for the conflict')
})

t.test('a head another process moved on: the append falls back, continues the chain, or names the conflict', async (t) => {
  const db = await testDatabase(t)
  const a = new PostgresEventStore(db.sql)
  const b = new PostgresEventStore(db.sql)
  const s = stream()
  await a.append(s, events(1), { expectedVersion: 'no_stream' })
  await b.append(s, events(1), { expectedVersion: 0 })
  const any = await a.append(s, events(1), { expectedVersion: 'any' })
  t.equal(any.nextExpectedVersion, 2, "after b's event, not over it")
  const stale = await a.append(s, events(1), { expectedVersion: 0 }).catch((e: unknown) => e)
  t.type(stale, WrongExpectedVersionError)
  t.equal((stale as WrongExpectedVersionError).actual, 2)
  t.equal(findChainBreak(await a.readStream(s)), null, 'one unbroken chain')
})

t.test('steps queued on one stream are decided in turn: a group of 25 places takes 25 of 40 requests at once', async (t) => {
  const db = await testDatabase(t)
  const app = new Application(new PostgresEventStore(db.sql, { batchesInFlight: 1 }))
  const ctx = { metadata: systemMetadata('test', 'group-commit') }
  await registerProvider(app, ctx, { providerId: 'p1', municipality: 'm1', name: 'ЦДТ', kind: 'municipal' })
  await registerProgramme(app, ctx, { programmeId: 'choir', providerId: 'p1', title: 'Хор', direction: 'artistic', kind: 'budget' })
  await openGroup(app, ctx, {
    groupId: 'choir-1',
    programmeId: 'choir',
    startDate: '2024-09-01',
    endDate: '2025-05-31',
    price: 0,
    normativeCost: 0,
    capacity: 25,
  })
  const outcomes = await Promise.allSettled(
    Array.from({ length: 40 }, (_, i) =>
      app.aggregates.runStep(
        groupDecider,
        streams.group('choir-1'),
        `take:${i}`,
        { type: 'TakeGroupPlace', contractId: contract(i), certificateNumber: `N${String(i).padStart(9, '0')}`, on: '2024-09-02' },
        ctx.metadata,
      ),
    ),
  )
  const taken = outcomes.filter((o) => o.status === 'fulfilled')
  const refused = outcomes.filter((o) => o.status === 'rejected')
  t.equal(taken.length, 25, 'as many as there are places')
  t.ok(
    refused.every((o) => o.reason instanceof DomainError && o.reason.code === 'group_full'),
    'the rest: group_full',
  )
  const log = await app.store.readStream(streams.group('choir-1'))
  t.equal(log.filter((e) => e.type === 'GroupPlaceTaken').length, 25)
  t.ok(new Set(log.map((e) => e.transactionId)).size < 10, 'appended together, not one by one')
  const again = await app.aggregates.runStep(
    groupDecider,
    streams.group('choir-1'),
    'take:3',
    { type: 'TakeGroupPlace', contractId: contract(3), certificateNumber: 'N000000003', on: '2024-09-02' },
    ctx.metadata,
  )
  t.ok(again.alreadyDone, 'a step run again finds what it recorded')
})
