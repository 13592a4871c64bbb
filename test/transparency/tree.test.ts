import t, { type Test } from 'tap'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { leafHash, memorySubtrees, rootOf, verifyConsistency, verifyInclusion } from '../../src/transparency/merkle.ts'
import { generateSigningKey, openCheckpoint, parseSigningKey } from '../../src/transparency/note.ts'
import {
  checkpointIfDue,
  leafOfEvent,
  listCheckpoints,
  resetTree,
  TreeFollower,
  treeConsistencyProof,
  treeInclusionProof,
  treeRoot,
  treeState,
} from '../../src/transparency/tree.ts'
import { testDatabase } from '../helpers/database.ts'
import { events } from '../helpers/events.ts'
import { wholeLog } from '../helpers/invariants.ts'

// The tree the database keeps, against a tree computed here from the log's own event hashes in reader order.

async function ledger(t: Test) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  return { db, store }
}

async function appendSome(store: PostgresEventStore, streams: number, perStream: number) {
  for (let s = 0; s < streams; s++) {
    for (let i = 0; i < perStream; i++) await store.append(`test-${s}`, events(1 + (i % 3)), { expectedVersion: 'any' })
  }
}

/** The leaves as a reader of the log sees them, computed from the log alone. */
async function expectedLeaves(store: PostgresEventStore) {
  const { events } = await store.readAll({ limit: 100_000, end: await store.committedEnd() })
  return { events, leaves: events.map((e) => leafHash(e.hash)) }
}

const policy = (everyEvents = 1000, everySeconds = 3600) => ({
  key: parseSigningKey(generateSigningKey('test/ledger')),
  origin: 'test/ledger',
  everyEvents,
  everySeconds,
})

t.test('the follower adds every event in reader order; roots and proofs match a tree computed from the log', async (t) => {
  const { db, store } = await ledger(t)
  await appendSome(store, 5, 7)
  const follower = new TreeFollower(db.sql, store, { batchSize: 6 })
  await follower.catchUp()
  const { events, leaves } = await expectedLeaves(store)
  const reference = memorySubtrees(leaves)
  t.equal((await treeState(db.sql)).size, events.length)
  // The follower's light read gives readAll's events, in readAll's order: where each stands and its hash.
  const entries = await store.readAllEntries({ limit: 100_000 })
  t.same(
    entries.events,
    events.map((e) => ({ globalPosition: e.globalPosition, transactionId: e.transactionId, hash: e.hash })),
  )
  for (const size of [1, 2, 3, 7, 16, 17, events.length]) t.same(await treeRoot(db.sql, size), rootOf(size, reference), `root of ${size}`)
  const root = rootOf(events.length, reference)
  let bad = 0
  for (const e of events) {
    const leaf = (await leafOfEvent(db.sql, e.eventId))!
    const proof = await treeInclusionProof(db.sql, leaf.leafIndex, events.length)
    if (!verifyInclusion(leafHash(e.hash), leaf.leafIndex, events.length, proof, root)) bad++
  }
  t.equal(bad, 0, 'every event proved included')
  for (const m of [1, 5, 13, 32]) {
    const proof = await treeConsistencyProof(db.sql, m, events.length)
    t.ok(verifyConsistency(m, events.length, rootOf(m, reference), root, proof), `consistent from ${m}`)
  }
})

t.test('a crash between an append and the tree update, or inside the update, loses nothing', async (t) => {
  const { db, store } = await ledger(t)
  await appendSome(store, 3, 4)
  // Readable first: a transaction of another database on the server may hold the log's readers back a moment.
  await wholeLog(store)
  let crash = true
  const crashing = new TreeFollower(db.sql, store, {
    batchSize: 5,
    faults: () => {
      if (crash) throw new Error('killed before commit')
    },
  })
  await t.rejects(crashing.step(), /killed before commit/)
  t.equal((await treeState(db.sql)).size, 0, 'the crashed batch left nothing')
  crash = false
  await crashing.step()
  // More appends while no follower runs: the next one catches up.
  await appendSome(store, 2, 3)
  await new TreeFollower(db.sql, store).catchUp()
  const { events, leaves } = await expectedLeaves(store)
  t.equal((await treeState(db.sql)).size, events.length)
  t.same(await treeRoot(db.sql, events.length), rootOf(events.length, memorySubtrees(leaves)))
  // Rebuilt from the first event, it is the same tree.
  await resetTree(db.sql)
  await new TreeFollower(db.sql, store).catchUp()
  t.same(await treeRoot(db.sql, events.length), rootOf(events.length, memorySubtrees(leaves)))
})

t.test('a follower that keeps the tree in memory follows on after another writer moved it or the tree was reset', async (t) => {
  const { db, store } = await ledger(t)
  await appendSome(store, 2, 4)
  await wholeLog(store)
  const follower = new TreeFollower(db.sql, store, { batchSize: 5 })
  await follower.catchUp()
  const agrees = async (what: string) => {
    const { events, leaves } = await expectedLeaves(store)
    t.equal((await treeState(db.sql)).size, events.length, `${what}: every event`)
    t.same(await treeRoot(db.sql, events.length), rootOf(events.length, memorySubtrees(leaves)), `${what}: the log's root`)
  }
  // Another follower adds a batch: this one's memory of the tree is stale and must not be written on.
  await appendSome(store, 1, 3)
  await new TreeFollower(db.sql, store, { batchSize: 2 }).catchUp()
  await appendSome(store, 1, 3)
  await follower.catchUp()
  await agrees('after another follower')
  // The tree is emptied to be rebuilt: the follower starts again from the first event.
  await resetTree(db.sql)
  await appendSome(store, 1, 2)
  await follower.catchUp()
  await agrees('after a reset')
})

t.test('a batch whose range of the log holds other events than the ones read is refused and leaves the tree as it was', async (t) => {
  const { db, store } = await ledger(t)
  await appendSome(store, 2, 3)
  await wholeLog(store)
  // A reader that misses one event in the middle of its page: the leaves would not be the events hashed.
  const missing = Object.create(store) as PostgresEventStore
  missing.readAllEntries = async (options) => {
    const page = await store.readAllEntries(options)
    return { ...page, events: page.events.filter((_, i) => i !== 1) }
  }
  await t.rejects(new TreeFollower(db.sql, missing).step(), /are not the \d+ events read/)
  t.equal((await treeState(db.sql)).size, 0, 'nothing added')
  t.equal((await db.sql`SELECT 1 FROM transparency.leaves`).length, 0, 'no leaf written')
})

t.test('checkpoints: signed, kept, made every N events, on demand, never twice for one size', async (t) => {
  const { db, store } = await ledger(t)
  const p = policy(4)
  await appendSome(store, 2, 5)
  await new TreeFollower(db.sql, store, { batchSize: 3, checkpoints: p }).catchUp()
  const kept = await listCheckpoints(db.sql)
  const { events, leaves } = await expectedLeaves(store)
  const reference = memorySubtrees(leaves)
  t.ok(kept.length >= 2, `${kept.length} checkpoints kept`)
  for (let i = 1; i < kept.length; i++) t.ok(kept[i]!.size - kept[i - 1]!.size >= 4 || kept[i]!.size === events.length, 'at most every 4 events')
  for (const c of kept) {
    const opened = openCheckpoint(c.note, p.key.verifier)
    t.equal(opened.size, c.size)
    t.same(opened.root, rootOf(c.size, reference), `checkpoint ${c.size} has the log's root`)
  }
  const forced = await checkpointIfDue(db.sql, p, { force: true })
  t.equal(forced!.size, events.length, 'on demand: the tree as it stands')
  const again = await checkpointIfDue(db.sql, p, { force: true })
  t.equal((await listCheckpoints(db.sql)).filter((c) => c.size === again!.size).length, 1, 'one checkpoint per size')
  await t.rejects(db.sql`DELETE FROM transparency.checkpoints`, /append-only/, 'a checkpoint is never taken back')
})

t.test('checkpoints by time: none before T seconds, one after', async (t) => {
  const { db, store } = await ledger(t)
  const p = policy(1000, 60)
  await appendSome(store, 1, 2)
  await new TreeFollower(db.sql, store).catchUp()
  const first = await checkpointIfDue(db.sql, p)
  await appendSome(store, 1, 2)
  await new TreeFollower(db.sql, store).catchUp()
  const soon = await checkpointIfDue(db.sql, p, { now: new Date(first!.createdAt.getTime() + 30_000) })
  t.equal(soon!.size, first!.size, 'not due within T')
  const later = await checkpointIfDue(db.sql, p, { now: new Date(first!.createdAt.getTime() + 61_000) })
  t.ok(later!.size > first!.size, 'due after T')
})
