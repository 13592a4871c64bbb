import t, { type Test } from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { rebuildProjections } from '../../projections/runner.ts'
import { verifyLedger } from '../../src/audit/verify.ts'
import { eventHash, GENESIS_HASH } from '../../src/store/hash.ts'
import { generateSigningKey, parseSigningKey, signCheckpoint } from '../../src/transparency/note.ts'
import { checkpointIfDue, resetTree, TreeFollower } from '../../src/transparency/tree.ts'
import { paidOctober } from '../helpers/paid-october.ts'

// The probe of issue 17: with write access to the database, re-chain an altered stream, delete a stream's last
// event, drop a stream, insert an event behind the ledger's back. Each is named by `verify` through the tree and the
// signed checkpoints, also once the projections (and the tree itself) were rebuilt to agree with the edited log.

async function history(t: Test) {
  const { db, store, number, contractId } = await paidOctober(t)
  const key = parseSigningKey(generateSigningKey('test/ledger'))
  const policy = { key, origin: 'test/ledger', everyEvents: 10, everySeconds: 3600 }
  await new TreeFollower(db.sql, store, { checkpoints: policy, batchSize: 7 }).catchUp()
  await checkpointIfDue(db.sql, policy, { force: true })
  return { db, store, key, number, contractId }
}
type History = Awaited<ReturnType<typeof history>>

const behindTheTrigger = (h: History, statement: string, ...params: string[]) =>
  h.db.sql.begin(async (tx) => {
    await tx`ALTER TABLE ledger.events DISABLE TRIGGER events_refuse_update_delete`
    await tx.unsafe(statement, params)
    await tx`ALTER TABLE ledger.events ENABLE TRIGGER events_refuse_update_delete`
  })

/** What an attacker does next to hide the edit: every projection and the tree rebuilt from the edited log. */
async function rebuildEverything(h: History) {
  await rebuildProjections(h.db.sql, h.store, PROJECTIONS)
  await resetTree(h.db.sql)
  await new TreeFollower(h.db.sql, h.store).catchUp()
}

const verify = (h: History) => verifyLedger(h.db.sql, h.store, { verifier: h.key.verifier })

t.test('a clean history verifies: every leaf, every checkpoint signature and root', async (t) => {
  const h = await history(t)
  const report = await verify(h)
  t.equal(report.ok, true, JSON.stringify(report.firstProblem))
  t.equal(report.checks.tree!.checked, report.events)
  t.ok(report.checks.checkpoint!.checked >= 2)
})

t.test("a stream's last event deleted behind the trigger is named, and after a rebuild too", async (t) => {
  const h = await history(t)
  const [victim] = await h.db.sql<{ event_id: string; stream_position: string }[]>`
    SELECT event_id, stream_position::text FROM ledger.events WHERE stream_id = ${`contract-${h.contractId}`} ORDER BY stream_position DESC LIMIT 1`
  await behindTheTrigger(h, 'DELETE FROM ledger.events WHERE event_id = $1', victim!.event_id)
  const report = await verify(h)
  t.equal(report.ok, false)
  t.match(
    report.problems.find((p) => p.check === 'tree'),
    {
      eventId: victim!.event_id,
      streamId: `contract-${h.contractId}`,
      streamPosition: Number(victim!.stream_position),
      detail: /missing from the log \(deleted\)|no longer has/,
    },
  )
  t.notOk(
    report.problems.some((p) => p.check === 'chain'),
    'no chain breaks: only the tree sees it',
  )
  await rebuildEverything(h)
  const after = await verify(h)
  t.equal(after.ok, false)
  t.match(after.firstProblem, { check: 'checkpoint', detail: /do not have the root the ledger signed|events were removed/ })
})

t.test('a history rewritten with recomputed chains is named, and after a rebuild by the old checkpoints', async (t) => {
  const h = await history(t)
  const stream = `certificate-${h.number}`
  const events = await h.store.readStream(stream)
  const k = events.findIndex((e) => e.type === 'NominalCredited')
  let prevHash = k === 0 ? GENESIS_HASH : events[k - 1]!.hash
  const rewritten = events.slice(k).map((e, i) => {
    const data = i === 0 ? { ...(e.data as object), amount: (e.data as { amount: number }).amount + 100 } : e.data
    const hash = eventHash({ ...e, data, prevHash })
    const row = { eventId: e.eventId, data, prevHash, hash }
    prevHash = hash
    return row
  })
  for (const r of rewritten)
    await behindTheTrigger(
      h,
      'UPDATE ledger.events SET data = $2::text::jsonb, prev_hash = $3, hash = $4 WHERE event_id = $1',
      r.eventId,
      JSON.stringify(r.data),
      r.prevHash,
      r.hash,
    )
  const report = await verify(h)
  t.same(
    report.problems.filter((p) => p.check === 'chain'),
    [],
    'the chains verify',
  )
  t.match(
    report.problems.find((p) => p.check === 'tree'),
    { eventId: events[k]!.eventId, detail: /history rewritten/ },
  )
  await rebuildEverything(h)
  const after = await verify(h)
  t.match(
    after.problems.find((p) => p.check === 'checkpoint'),
    { detail: /do not have the root the ledger signed/ },
  )
})

t.test('a dropped stream is named, and after a rebuild by the old checkpoints', async (t) => {
  const h = await history(t)
  const [invoice] = await h.db.sql<{ stream_id: string }[]>`SELECT stream_id FROM ledger.events WHERE type = 'FinalInvoiceIssued' LIMIT 1`
  await behindTheTrigger(h, 'DELETE FROM ledger.events WHERE stream_id = $1', invoice!.stream_id)
  const report = await verify(h)
  t.match(
    report.problems.find((p) => p.check === 'tree'),
    { streamId: invoice!.stream_id, detail: /missing from the log \(deleted\)|no longer has/ },
  )
  await rebuildEverything(h)
  t.ok((await verify(h)).problems.some((p) => p.check === 'checkpoint'))
})

t.test('an event inserted behind the ledger back, among older ones, is named as outside the tree', async (t) => {
  const h = await history(t)
  const [first] = await h.db.sql<{ tx: string }[]>`SELECT min(transaction_id::text::numeric)::text AS tx FROM ledger.events`
  const e = {
    streamId: 'test-forged',
    streamPosition: 0,
    eventId: '11111111-1111-4111-8111-111111111111',
    type: 'TestHappened',
    schemaVersion: 1,
    data: { note: 'forged' },
    metadata: { actor: 'forger', correlationId: 'forged' },
    recordedAt: new Date('2024-10-01T00:00:00.000Z'),
    prevHash: GENESIS_HASH,
  }
  await h.db.sql.unsafe(
    `INSERT INTO ledger.events (global_position, stream_id, stream_position, event_id, type, schema_version, data, metadata, recorded_at, transaction_id, prev_hash, hash)
     OVERRIDING SYSTEM VALUE VALUES (1000000, $1, 0, $2, $3, 1, $4::text::jsonb, $5::text::jsonb, $6, $7::xid8, $8, $9)`,
    [e.streamId, e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), e.recordedAt.toISOString(), first!.tx, e.prevHash, eventHash(e)],
  )
  const report = await verify(h)
  t.match(
    report.problems.find((p) => p.check === 'tree'),
    { eventId: e.eventId, detail: /outside the tree/ },
  )
  await rebuildEverything(h)
  t.ok((await verify(h)).problems.some((p) => p.check === 'checkpoint' && /root the ledger signed/.test(p.detail)))
})

t.test('a checkpoint with a bad signature, or signed by another key, is refused', async (t) => {
  const h = await history(t)
  const other = parseSigningKey(generateSigningKey('test/ledger'))
  const root = Buffer.alloc(32, 7)
  await h.db.sql`INSERT INTO transparency.checkpoints (tree_size, root, origin, key_name, note)
    VALUES (${100000}, ${root}, 'test/ledger', 'test/ledger', ${signCheckpoint({ origin: 'test/ledger', size: 100000, root }, other)})`
  const report = await verify(h)
  t.match(
    report.problems.find((p) => p.check === 'checkpoint'),
    { detail: /checkpoint of size 100000 .* does not verify: .*not signed by test\/ledger/ },
  )
})
