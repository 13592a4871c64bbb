import crypto from 'node:crypto'
import SwaggerParser from '@apidevtools/swagger-parser'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import t, { type Test } from 'tap'
import { z } from 'zod'
import { callerOf, eventMetadataOf } from '../../src/api/auth.ts'
import { buildServer } from '../../src/api/server.ts'
import { requireReach } from '../../src/app/scope.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'

// A probe resource registered only here: it exercises the mechanisms every /v1 route relies on (roles,
// provider scope, body validation, metadata of caused events) before the domain's routes exist.
const probe = (store: PostgresEventStore) => async (app: FastifyInstance) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.post(
    '/v1/probe/:providerId/notes',
    {
      config: { roles: ['operator', 'provider'] },
      schema: {
        params: z.object({ providerId: z.string() }),
        body: z.object({ amount: z.string().regex(/^\d+\.\d{2}$/), count: z.number().int().min(1) }),
      },
    },
    async (request, reply) => {
      requireReach(callerOf(request), { kind: 'provider', id: request.params.providerId })
      const result = await store.append(
        `probe-${request.params.providerId}`,
        [{ eventId: crypto.randomUUID(), type: 'ProbeNoted', schemaVersion: 1, data: request.body, metadata: eventMetadataOf(request) }],
        { expectedVersion: 'any' },
      )
      return reply.code(201).send({ version: result.nextExpectedVersion })
    },
  )
}

async function setup(t: Test) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = await buildServer({ db, store, plugins: [probe(store)] })
  t.teardown(() => app.close())
  const token = async (role: 'operator' | 'payer' | 'provider' | 'auditor' | 'reporting', scope: { providerId?: string; payerId?: string } = {}) =>
    (await createToken(db.sql, { role, ...scope })).token
  return { db, store, app, token }
}

const isProblem = (t: Test, res: { headers: Record<string, unknown>; json(): unknown }, status: number, code: string) => {
  t.match(res.headers['content-type'], /^application\/problem\+json/, 'problem+json')
  t.match(res.json(), { type: `urn:pfdo-ledger:problem:${code}`, status, code, title: String, detail: String })
}

t.test('health and readiness', async (t) => {
  const { app } = await setup(t)
  const health = await app.inject('/health')
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject('/ready')
  t.equal(ready.statusCode, 200)
  t.equal(ready.json().status, 'ready')
})

t.test('not ready while migrations are pending', async (t) => {
  const db = await testDatabase(t, { migrate: false })
  const app = await buildServer({ db, store: new PostgresEventStore(db.sql) })
  t.teardown(() => app.close())
  const res = await app.inject('/ready')
  t.equal(res.statusCode, 503)
  isProblem(t, res, 503, 'not_ready')
  t.match(res.json().detail, /0001_event_store/)
})

t.test('401 without or with a wrong token, 403 for a role the route does not list', async (t) => {
  const { app, token } = await setup(t)
  const body = { amount: '10.00', count: 1 }
  const none = await app.inject({ method: 'POST', url: '/v1/probe/P1/notes', payload: body })
  t.equal(none.statusCode, 401)
  isProblem(t, none, 401, 'unauthorized')
  const wrong = await app.inject({ method: 'POST', url: '/v1/probe/P1/notes', payload: body, headers: { authorization: 'Bearer lgr_not-a-token' } })
  t.equal(wrong.statusCode, 401)
  const basic = await app.inject({ method: 'POST', url: '/v1/probe/P1/notes', payload: body, headers: { authorization: 'Basic abc' } })
  t.equal(basic.statusCode, 401)
  for (const role of ['payer', 'auditor', 'reporting'] as const) {
    const scope = role === 'payer' ? { payerId: 'PAY1' } : {}
    const res = await app.inject({ method: 'POST', url: '/v1/probe/P1/notes', payload: body, headers: { authorization: `Bearer ${await token(role, scope)}` } })
    t.equal(res.statusCode, 403, `${role} is refused`)
    isProblem(t, res, 403, 'forbidden')
  }
  const ok = await app.inject({ method: 'POST', url: '/v1/probe/P1/notes', payload: body, headers: { authorization: `Bearer ${await token('operator')}` } })
  t.equal(ok.statusCode, 201, 'operator is allowed')
  const unauthenticatedBadBody = await app.inject({ method: 'POST', url: '/v1/probe/P1/notes', payload: { nonsense: true } })
  t.equal(unauthenticatedBadBody.statusCode, 401, 'authentication comes before validation')
})

t.test("a provider token reaches only its own provider's data", async (t) => {
  const { app, token, store } = await setup(t)
  const p1 = await token('provider', { providerId: 'P1' })
  const body = { amount: '10.00', count: 1 }
  const own = await app.inject({ method: 'POST', url: '/v1/probe/P1/notes', payload: body, headers: { authorization: `Bearer ${p1}` } })
  t.equal(own.statusCode, 201)
  const other = await app.inject({ method: 'POST', url: '/v1/probe/P2/notes', payload: body, headers: { authorization: `Bearer ${p1}` } })
  // Another tenant's data answers as if it did not exist (src/app/scope.ts): nothing leaks through 403 against 404.
  t.equal(other.statusCode, 404)
  isProblem(t, other, 404, 'provider_not_found')
  t.equal(await store.streamVersion('probe-P2'), null, 'the refused request wrote nothing')
})

t.test("the caller's identity goes into the metadata of the events it causes", async (t) => {
  const { app, db, store } = await setup(t)
  const { token, caller } = await createToken(db.sql, { role: 'operator', label: 'registry desk' })
  const res = await app.inject({
    method: 'POST',
    url: '/v1/probe/P9/notes',
    payload: { amount: '1.00', count: 2 },
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'key-42', 'x-correlation-id': 'corr-7' },
  })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['x-correlation-id'], 'corr-7')
  const [event] = await store.readStream('probe-P9')
  t.same(event!.metadata, { actor: `operator:${caller.tokenId}`, correlationId: 'corr-7', causationId: null, idempotencyKey: 'key-42' })
})

t.test('problem+json for malformed JSON, schema violations and unknown routes', async (t) => {
  const { app, token } = await setup(t)
  const auth = { authorization: `Bearer ${await token('operator')}` }
  const bad = await app.inject({ method: 'POST', url: '/v1/probe/P1/notes', payload: '{"amount": ', headers: { ...auth, 'content-type': 'application/json' } })
  t.equal(bad.statusCode, 400)
  isProblem(t, bad, 400, 'malformed_json')

  const invalid = await app.inject({ method: 'POST', url: '/v1/probe/P1/notes', payload: { amount: '10.5', count: 0 }, headers: auth })
  t.equal(invalid.statusCode, 400)
  isProblem(t, invalid, 400, 'validation_failed')
  const fields = invalid
    .json()
    .errors.map((e: { path: string; location: string }) => `${e.location}:${e.path}`)
    .sort()
  t.same(fields, ['body:amount', 'body:count'], 'names every offending field')

  const query = await app.inject({ method: 'GET', url: '/v1/streams/x/events?limit=5000', headers: { authorization: `Bearer ${await token('auditor')}` } })
  t.equal(query.statusCode, 400)
  t.match(query.json().errors, [{ location: 'querystring', path: 'limit' }])

  const missing = await app.inject('/v1/nothing-here')
  t.equal(missing.statusCode, 404)
  isProblem(t, missing, 404, 'not_found')
})

t.test('auditors read raw stream events with positions and hashes', async (t) => {
  const { app, token } = await setup(t)
  const operator = { authorization: `Bearer ${await token('operator')}` }
  for (let i = 0; i < 3; i++) {
    await app.inject({ method: 'POST', url: '/v1/probe/P5/notes', payload: { amount: '1.00', count: i + 1 }, headers: operator })
  }
  const auditor = { authorization: `Bearer ${await token('auditor')}` }
  const page = await app.inject({ url: '/v1/streams/probe-P5/events?limit=2', headers: auditor })
  t.equal(page.statusCode, 200)
  const body = page.json()
  t.equal(body.version, 2)
  t.same(
    body.events.map((e: { streamPosition: number }) => e.streamPosition),
    [0, 1],
  )
  t.equal(body.next, 2)
  t.equal(body.events[1].prevHash, body.events[0].hash, 'hashes chain')
  t.match(body.events[0], { globalPosition: /^\d+$/, hash: /^[0-9a-f]{64}$/, type: 'ProbeNoted', data: { count: 1 } })
  const rest = await app.inject({ url: '/v1/streams/probe-P5/events?from=2', headers: auditor })
  t.equal(rest.json().next, null)
  const none = await app.inject({ url: '/v1/streams/no-such-stream/events', headers: auditor })
  t.equal(none.statusCode, 404)
  isProblem(t, none, 404, 'stream_not_found')
  const provider = await app.inject({
    url: '/v1/streams/probe-P5/events',
    headers: { authorization: `Bearer ${await token('provider', { providerId: 'P5' })}` },
  })
  t.equal(provider.statusCode, 403)
})

t.test('the OpenAPI document is valid OpenAPI 3 and lists the routes with their security', async (t) => {
  const { app, token } = await setup(t)
  const headers = { authorization: `Bearer ${await token('reporting')}` }
  const res = await app.inject({ url: '/openapi.json', headers })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.match(doc.openapi, /^3\./)
  await t.resolves(SwaggerParser.validate(structuredClone(doc)), 'validates against the OpenAPI schema')
  t.ok(doc.paths['/v1/streams/{streamId}/events']?.get, 'documents the stream route')
  t.same(doc.paths['/v1/whoami'].get.security, [{ bearer: [] }])
  // Every error answer is documented as problem+json with its codes, and every media type of a success.
  const problems = Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, { content?: object }> }>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, responses: op.responses })),
  )
  for (const { route, responses } of problems.filter((p) => p.route.includes(' /v1/'))) {
    for (const status of ['400', '401', '403', '429', '500', '503'])
      t.ok(responses[status]?.content && 'application/problem+json' in responses[status].content, `${route} documents ${status} as problem+json`)
  }
  const close = doc.paths['/v1/settlement/{municipality}/{month}/close'].post.responses
  t.ok(close['409'].content['application/problem+json'].schema.properties.code.enum.includes('month_out_of_order'), 'a command lists its conflict codes')
  t.ok(close['412'], 'and the failed If-Match')
  const reconciliation = doc.paths['/v1/reconciliation'].get.responses['200'].content
  t.same(
    Object.keys(reconciliation).sort(),
    ['application/json', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'text/csv'],
    'the reconciliation answers JSON, CSV and XLSX',
  )
  t.ok(doc.paths['/v1/invoices/{invoiceId}/document'].get.responses['200'].content['text/plain'], 'the invoice document answers text')
  const docs = await app.inject({ url: '/docs/', headers })
  t.equal(docs.statusCode, 200, 'a browsable page at /docs')
})

t.test('a /v1 route without declared roles stops the server from starting', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  await t.rejects(buildServer({ db, store, plugins: [(app) => void app.get('/v1/open', async () => 'open')] }), /does not declare the roles/)
})
