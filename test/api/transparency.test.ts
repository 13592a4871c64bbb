import t, { type Test } from 'tap'
import { buildServer } from '../../src/api/server.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/transparency/merkle.ts'
import { generateSigningKey, openCheckpoint, parseSigningKey, parseVerifierKey } from '../../src/transparency/note.ts'
import { TransparencyLog } from '../../src/transparency/service.ts'
import { TreeFollower } from '../../src/transparency/tree.ts'
import { testDatabase } from '../helpers/database.ts'
import { events } from '../helpers/events.ts'

// The transparency routes as an auditor uses them: the key, a checkpoint, an event's inclusion proof and a
// consistency proof, each checked here with the RFC's verification and the published key alone.

async function server(t: Test, open = false) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const key = parseSigningKey(generateSigningKey('test/ledger'))
  const policy = { key, origin: 'test/ledger', everyEvents: 1000, everySeconds: 3600 }
  const follower = new TreeFollower(db.sql, store, { checkpoints: policy })
  const log = new TransparencyLog(db.sql, key.verifier, 'test/ledger', follower, policy)
  const app = await buildServer({ db, store, transparency: { log, public: open } })
  t.teardown(() => app.close())
  const reporting = { authorization: `Bearer ${(await createToken(db.sql, { role: 'reporting' })).token}` }
  return { db, store, app, follower, headers: reporting }
}

t.test('an auditor proves an event is in a signed checkpoint and that the log only grew since an older one', async (t) => {
  const { store, app, follower, headers } = await server(t)
  for (let i = 0; i < 6; i++) await store.append(`test-${i}`, events(3), { expectedVersion: 'no_stream' })
  t.equal((await app.inject({ url: '/v1/transparency/checkpoint', headers })).statusCode, 404, 'none signed yet')
  await follower.catchUp()
  const key = parseVerifierKey((await app.inject({ url: '/v1/transparency/key', headers })).json().verifierKey)
  const first = await app.inject({ url: '/v1/transparency/checkpoint', headers })
  t.equal(first.statusCode, 200, first.body)
  const old = openCheckpoint(first.json().note, key)
  t.equal(old.size, 18)

  await store.append('test-late', events(5), { expectedVersion: 'no_stream' })
  const [late] = await store.readStream('test-late', { from: 2, limit: 1 })
  // The event is newer than the latest checkpoint: the proof comes with a checkpoint signed on demand.
  const proof = await app.inject({ url: `/v1/transparency/events/${late!.eventId}/proof`, headers })
  t.equal(proof.statusCode, 200, proof.body)
  const p = proof.json()
  const now = openCheckpoint(p.checkpoint, key)
  t.equal(now.size, 23)
  t.equal(p.eventHash, late!.hash)
  t.ok(
    verifyInclusion(
      leafHash(late!.hash),
      p.leafIndex,
      now.size,
      p.proof.map((h: string) => Buffer.from(h, 'hex')),
      now.root,
    ),
    'included',
  )

  const consistency = await app.inject({ url: `/v1/transparency/consistency?from=${old.size}&to=${now.size}`, headers })
  t.equal(consistency.statusCode, 200, consistency.body)
  t.ok(
    verifyConsistency(
      old.size,
      now.size,
      old.root,
      now.root,
      consistency.json().proof.map((h: string) => Buffer.from(h, 'hex')),
    ),
    'consistent',
  )

  const list = await app.inject({ url: '/v1/transparency/checkpoints?from=0', headers })
  t.same(
    list.json().checkpoints.map((c: { treeSize: number }) => c.treeSize),
    [18, 23],
  )
})

t.test('bad parameters and unknown events: problem+json with codes; without a token: 401, unless public', async (t) => {
  const { store, app, follower, headers } = await server(t)
  await store.append('test-a', events(2), { expectedVersion: 'no_stream' })
  await follower.catchUp()
  const cases: [string, number, string][] = [
    ['/v1/transparency/events/not-a-uuid/proof', 400, 'validation_failed'],
    ['/v1/transparency/events/00000000-0000-4000-8000-000000000000/proof', 404, 'event_not_found'],
    ['/v1/transparency/consistency?from=1&to=99', 422, 'size_out_of_range'],
    ['/v1/transparency/consistency?from=2&to=1', 422, 'size_out_of_range'],
    ['/v1/transparency/consistency?from=-1', 400, 'validation_failed'],
    ['/v1/transparency/checkpoints?from=0&extra=1', 400, 'validation_failed'],
  ]
  for (const [url, status, code] of cases) {
    const res = await app.inject({ url, headers })
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.equal(res.json().code, code, url)
  }
  t.equal((await app.inject({ url: '/v1/transparency/checkpoint' })).statusCode, 401)
  const open = await server(t, true)
  t.equal((await open.app.inject({ url: '/v1/transparency/key' })).statusCode, 200, 'public by configuration')
})
