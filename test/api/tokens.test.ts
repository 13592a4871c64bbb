import t from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { buildServer } from '../../src/api/server.ts'
import { Application, systemMetadata } from '../../src/app/context.ts'
import { registerPayer } from '../../src/app/registry.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'

// Issue 15: tokens can be listed, revoked and given an expiry, by the operator over HTTP too (with the embedded
// database the CLI cannot open it while the server runs). A revoked or expired token authenticates no one at once.

t.test('the operator creates, lists and revokes tokens over HTTP; revoked and expired tokens stop at once', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS, { idleMs: 20 })
  const ledger = new Application(store)
  const app = await buildServer({ db, store, ledger, runner })
  t.teardown(() => app.close())
  await registerPayer(ledger, { metadata: systemMetadata('test', 'tokens') }, { payerId: 'payer-1', municipality: 'tambov', name: 'Управление образования' })
  const operator = { authorization: `Bearer ${(await createToken(db.sql, { role: 'operator' })).token}` }
  const whoami = (token: string) => app.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${token}` } })

  const nextYear = `${new Date().getUTCFullYear() + 1}-01-01`
  // A payer or a provider the ledger does not know gets no token (issue 15): a typo would make one that sees nothing.
  for (const payload of [
    { role: 'payer', payerId: 'payer-2' },
    { role: 'provider', providerId: 'prov-9' },
  ]) {
    const refused = await app.inject({ method: 'POST', url: '/v1/tokens', headers: operator, payload })
    t.same([refused.statusCode, refused.json().code], [422, 'organisation_unknown'], JSON.stringify(payload))
  }
  t.equal((await db.sql`SELECT 1 FROM ledger.api_tokens`).length, 1, 'only the operator token exists')
  const created = await app.inject({
    method: 'POST',
    url: '/v1/tokens',
    headers: operator,
    payload: { role: 'payer', payerId: 'payer-1', label: 'бухгалтерия', expiresOn: nextYear },
  })
  t.equal(created.statusCode, 201, created.body)
  const payer = created.json()
  t.match(payer, { role: 'payer', payerId: 'payer-1', label: 'бухгалтерия', state: 'active', expiresAt: `${nextYear}T00:00:00.000Z` })
  t.match(payer.token, /^lgr_/, 'the answer carries the token itself')
  t.equal((await whoami(payer.token)).json().payerId, 'payer-1', 'the new token authenticates as its payer')

  const listed = await app.inject({ method: 'GET', url: '/v1/tokens', headers: operator })
  t.equal(listed.statusCode, 200)
  t.same(
    listed.json().tokens.map((x: { role: string }) => x.role),
    ['operator', 'payer'],
    'every token that authenticates, oldest first',
  )
  t.notOk(listed.body.includes(payer.token), 'a list never shows a token itself')

  // An expired token: stored as if made two days ago with an expiry yesterday.
  const old = await createToken(db.sql, { role: 'reporting' })
  await db.sql`UPDATE ledger.api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE token_id = ${old.caller.tokenId}`
  t.equal((await whoami(old.token)).statusCode, 401, 'an expired token authenticates no one')
  const active = (await app.inject({ method: 'GET', url: '/v1/tokens', headers: operator })).json().tokens
  t.notOk(
    active.some((x: { tokenId: string }) => x.tokenId === old.caller.tokenId),
    'the expired token is not among those that authenticate',
  )

  const revoked = await app.inject({ method: 'POST', url: `/v1/tokens/${payer.tokenId}/revocation`, headers: operator })
  t.equal(revoked.statusCode, 200)
  t.equal(revoked.json().state, 'revoked')
  t.equal((await whoami(payer.token)).statusCode, 401, 'the revoked token is refused on the next request')
  const again = await app.inject({ method: 'POST', url: `/v1/tokens/${payer.tokenId}/revocation`, headers: operator })
  t.equal(again.json().revokedAt, revoked.json().revokedAt, 'revoking again changes nothing')

  const all = (await app.inject({ method: 'GET', url: '/v1/tokens?all=true', headers: operator })).json().tokens
  t.same(
    Object.fromEntries(all.map((x: { role: string; state: string }) => [x.role, x.state])),
    { operator: 'active', payer: 'revoked', reporting: 'expired' },
    'all=true shows every token with its state',
  )
})

t.test('only the operator manages tokens, and bad requests change nothing', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS, { idleMs: 20 })
  const ledger = new Application(store)
  const app = await buildServer({ db, store, ledger, runner })
  t.teardown(() => app.close())
  await registerPayer(ledger, { metadata: systemMetadata('test', 'tokens') }, { payerId: 'payer-1', municipality: 'tambov', name: 'Управление образования' })
  const operator = { authorization: `Bearer ${(await createToken(db.sql, { role: 'operator' })).token}` }
  const auditor = { authorization: `Bearer ${(await createToken(db.sql, { role: 'auditor' })).token}` }
  const count = async () => (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ledger.api_tokens`)[0]!.n
  const before = await count()

  const cases: [string, { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; payload?: object }, number, string][] = [
    ['an auditor may not list', { method: 'GET', url: '/v1/tokens', headers: auditor }, 403, 'forbidden'],
    ['an auditor may not create', { method: 'POST', url: '/v1/tokens', headers: auditor, payload: { role: 'operator' } }, 403, 'forbidden'],
    ['a payer token needs its payer', { method: 'POST', url: '/v1/tokens', headers: operator, payload: { role: 'payer' } }, 422, 'token_scope'],
    [
      'an expiry in the past',
      { method: 'POST', url: '/v1/tokens', headers: operator, payload: { role: 'auditor', expiresOn: '2001-01-01' } },
      422,
      'token_scope',
    ],
    ['an unknown field', { method: 'POST', url: '/v1/tokens', headers: operator, payload: { role: 'auditor', admin: true } }, 400, ''],
    ['an unknown role', { method: 'POST', url: '/v1/tokens', headers: operator, payload: { role: 'mayor' } }, 400, ''],
    [
      'revoking a token nobody has',
      { method: 'POST', url: '/v1/tokens/00000000-0000-4000-8000-000000000000/revocation', headers: operator },
      404,
      'token_not_found',
    ],
    ['revoking a malformed id', { method: 'POST', url: '/v1/tokens/not-a-uuid/revocation', headers: operator }, 400, ''],
  ]
  for (const [name, request, status, code] of cases) {
    const answer = await app.inject(request)
    t.equal(answer.statusCode, status, `${name}: ${answer.body}`)
    t.match(answer.headers['content-type'], /application\/problem\+json/, `${name}: a problem document`)
    if (code) t.equal(answer.json().code, code, name)
  }
  t.equal(await count(), before, 'no refused request made a token')
  const [revoked] = await db.sql`SELECT 1 FROM ledger.api_tokens WHERE revoked_at IS NOT NULL`
  t.notOk(revoked, 'no refused request revoked a token')
})
