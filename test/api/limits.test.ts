import crypto from 'node:crypto'
import t, { type Test } from 'tap'
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../../src/api/rate-limit.ts'
import { buildServer, type ServerDependencies } from '../../src/api/server.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'

// What the API limits and what it exposes: failed authentications per client address, requests per token, the
// size of a body, and the documentation, which needs a token unless configured public.

async function setup(t: Test, options: Partial<ServerDependencies> = {}) {
  const db = await testDatabase(t)
  const app = await buildServer({ db, store: new PostgresEventStore(db.sql), ...options })
  t.teardown(() => app.close())
  const token = async () => (await createToken(db.sql, { role: 'operator' })).token
  return { app, token }
}

const guess = () => `lgr_${crypto.randomBytes(32).toString('base64url')}`

t.test('failed authentications are limited per client address', async (t) => {
  const { app, token } = await setup(t)
  const valid = await token()
  const statuses: number[] = []
  for (let i = 0; i < 100; i++) {
    statuses.push((await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${guess()}` }, remoteAddress: '203.0.113.7' })).statusCode)
  }
  const limit = DEFAULT_RATE_LIMITS.authFailuresPerMinute
  t.same(
    statuses.slice(0, limit),
    statuses.slice(0, limit).map(() => 401),
    `the first ${limit} guesses are 401`,
  )
  t.same(
    statuses.slice(limit),
    statuses.slice(limit).map(() => 429),
    'every guess after them is 429',
  )
  const refused = await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${guess()}` }, remoteAddress: '203.0.113.7' })
  t.match(refused.headers['content-type'], /^application\/problem\+json/)
  t.match(refused.json(), { status: 429, code: 'rate_limited', detail: /too many failed authentications/ })
  t.match(refused.headers['retry-after'], /^\d+$/, 'with Retry-After in seconds')
  t.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 60)
  const blocked = await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${valid}` }, remoteAddress: '203.0.113.7' })
  t.equal(blocked.statusCode, 429, 'a blocked address gets no token checked, not even a valid one, until the minute is over')
  const noHeader = await app.inject({ url: '/v1/whoami', remoteAddress: '203.0.113.7' })
  t.equal(noHeader.statusCode, 429, 'nor a request without one')
  const other = await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${valid}` }, remoteAddress: '203.0.113.8' })
  t.equal(other.statusCode, 200, 'another address is not affected')
  t.equal((await app.inject({ url: '/health', remoteAddress: '203.0.113.7' })).statusCode, 200, 'routes without a token are not limited')
})

t.test('behind a trusted proxy the client address is taken from X-Forwarded-For', async (t) => {
  const rateLimits: RateLimits = { authFailuresPerMinute: 3, requestsPerTokenPerMinute: 0 }
  for (const trustProxy of [true, false]) {
    const { app } = await setup(t, { rateLimits, trustProxy })
    const from = (client: string) =>
      app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${guess()}`, 'x-forwarded-for': client }, remoteAddress: '10.0.0.1' })
    for (let i = 0; i < 3; i++) await from('198.51.100.1')
    const sameClient = (await from('198.51.100.1')).statusCode
    const otherClient = (await from('198.51.100.2')).statusCode
    if (trustProxy) t.same([sameClient, otherClient], [429, 401], 'trusted: each client behind the proxy has its own count')
    else t.same([sameClient, otherClient], [429, 429], 'not trusted: the proxy is the client, X-Forwarded-For is ignored')
  }
})

t.test('requests are limited per token; the limit is configurable and generous by default', async (t) => {
  const { app, token } = await setup(t, { rateLimits: { authFailuresPerMinute: 20, requestsPerTokenPerMinute: 5 } })
  const [a, b] = [await token(), await token()]
  const statuses = []
  for (let i = 0; i < 7; i++) statuses.push((await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${a}` } })).statusCode)
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429], 'five requests a minute, then 429')
  const over = await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${a}` } })
  t.match(over.json(), { status: 429, code: 'rate_limited', detail: /more than 5 requests in a minute/ })
  t.match(over.headers['retry-after'], /^\d+$/)
  t.equal((await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${b}` } })).statusCode, 200, 'another token is not affected')
  t.ok(DEFAULT_RATE_LIMITS.requestsPerTokenPerMinute >= 1000, `by default ${DEFAULT_RATE_LIMITS.requestsPerTokenPerMinute} requests a minute per token`)

  const unlimited = await setup(t, { rateLimits: { authFailuresPerMinute: 0, requestsPerTokenPerMinute: 0 } })
  const c = await unlimited.token()
  const many = []
  for (let i = 0; i < 50; i++)
    many.push((await unlimited.app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${i % 2 ? c : guess()}` } })).statusCode)
  t.same([...new Set(many)].sort(), [200, 401], '0 turns both limits off (the benchmark does)')
})

t.test('a body larger than any command is refused with 413; the largest legitimate one passes', async (t) => {
  const { app, token } = await setup(t)
  const headers = { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' }
  // A 500-character reason written entirely as \u escapes: the longest text field, at its most verbose.
  const largest = `{"refusedOn":"2024-10-01","reason":"${'\\u0436'.repeat(500)}"}`
  const fits = await app.inject({ method: 'POST', url: `/v1/contracts/${crypto.randomUUID()}/refusal`, headers, payload: largest })
  t.not(fits.statusCode, 413, `a ${largest.length}-byte body is read (${fits.statusCode} ${fits.json().code})`)
  const huge = JSON.stringify({ refusedOn: '2024-10-01', reason: 'x'.repeat(20_000) })
  const refused = await app.inject({ method: 'POST', url: `/v1/contracts/${crypto.randomUUID()}/refusal`, headers, payload: huge })
  t.equal(refused.statusCode, 413, `a ${huge.length}-byte body is refused before it is read`)
  t.match(refused.headers['content-type'], /^application\/problem\+json/)
  t.match(refused.json(), { code: 'body_too_large' })
})

t.test('/docs and /openapi.json need a token unless configured public', async (t) => {
  const closed = await setup(t)
  const headers = { authorization: `Bearer ${await closed.token()}` }
  for (const url of ['/openapi.json', '/docs', '/docs/', '/docs/json', '/docs/static/index.html']) {
    const anonymous = await closed.app.inject(url)
    t.equal(anonymous.statusCode, 401, `${url} without a token: 401`)
    t.match(anonymous.headers['content-type'], /^application\/problem\+json/)
    t.ok([200, 302].includes((await closed.app.inject({ url, headers })).statusCode), `${url} with a token of any role`)
  }
  const open = await setup(t, { publicDocs: true })
  for (const url of ['/openapi.json', '/docs/', '/docs/json']) t.equal((await open.app.inject(url)).statusCode, 200, `${url} public when configured so`)
})
