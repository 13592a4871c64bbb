import t from 'tap'
import { buildServer } from '../../src/api/server.ts'
import type { Role } from '../../src/auth/tokens.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'

// Text PostgreSQL cannot store (a NUL, a lone UTF-16 surrogate) in any string of any request — path parameter,
// query parameter, body field at any depth — is a 400 naming the field, by one rule for every route: the routes
// and their fields are taken from the OpenAPI document, so a route added later is covered too. Numbers in query
// parameters beyond what the database stores are a 400 as well, never a 500.

interface Schema {
  type?: string | string[]
  properties?: Record<string, Schema>
  items?: Schema
  anyOf?: Schema[]
  oneOf?: Schema[]
  allOf?: Schema[]
}
interface Operation {
  parameters?: { in: string; name: string }[]
  requestBody?: { content: Record<string, { schema: Schema }> }
}

/** Every string leaf of a body schema, as a path of property names (0 for an array's items). */
function stringLeaves(schema: Schema, path: (string | number)[] = [], depth = 0): (string | number)[][] {
  if (depth > 6) return []
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []
  const out: (string | number)[][] = []
  if (types.includes('string') && path.length > 0) out.push(path)
  for (const alt of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) out.push(...stringLeaves(alt, path, depth + 1))
  for (const [name, property] of Object.entries(schema.properties ?? {})) out.push(...stringLeaves(property, [...path, name], depth + 1))
  if (schema.items) out.push(...stringLeaves(schema.items, [...path, 0], depth + 1))
  const seen = new Set<string>()
  return out.filter((p) => {
    if (seen.has(p.join('.'))) return false
    seen.add(p.join('.'))
    return true
  })
}

/** A body holding `value` at `path` (and nothing else: the rule runs before the route's schema). */
function bodyWith(path: (string | number)[], value: string): unknown {
  let body: unknown = value
  for (const key of [...path].reverse()) body = typeof key === 'number' ? [body] : { [key]: body }
  return body
}

const NUL = 'a\u0000b'
const SURROGATE = 'a\ud800b'

t.test('a NUL or a lone surrogate anywhere in any request is a 400 naming the field', async (t) => {
  const db = await testDatabase(t)
  const app = await buildServer({ db, store: new PostgresEventStore(db.sql) })
  t.teardown(() => app.close())
  await app.ready()
  const roles: Role[] = ['operator', 'payer', 'provider', 'auditor', 'reporting']
  const tokens = await Promise.all(
    roles.map(
      async (role) =>
        (await createToken(db.sql, { role, ...(role === 'provider' ? { providerId: 'p1' } : role === 'payer' ? { payerId: 'payer-1' } : {}) })).token,
    ),
  )
  /** The request sent with the first token the route lets through (a role it does not list is refused before). */
  const send = async (method: string, url: string, payload?: string) => {
    let res: Awaited<ReturnType<typeof app.inject>> | undefined
    for (const token of tokens) {
      res = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
        ...(payload ? { payload } : {}),
      })
      if (res.statusCode !== 403) return res
    }
    return res!
  }
  const paths = (app.swagger() as { paths: Record<string, Record<string, Operation>> }).paths
  let cases = 0
  const expectNamed = (res: Awaited<ReturnType<typeof send>>, what: string, location: string, path: string, message: RegExp) => {
    cases++
    const body = res.json() as { code?: string; errors?: { location: string; path: string; message: string }[] }
    if (
      res.statusCode === 400 &&
      body.code === 'validation_failed' &&
      body.errors?.[0]?.location === location &&
      body.errors[0].path === path &&
      message.test(body.errors[0].message)
    )
      return
    t.fail(`${what}: expected a 400 naming ${location} ${path}, got ${res.statusCode} ${res.body.slice(0, 300)}`)
  }
  for (const [template, operations] of Object.entries(paths)) {
    if (!template.startsWith('/v1/')) continue
    for (const [method, op] of Object.entries(operations)) {
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)
      const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)
      const url = (bad?: string) => template.replace(/\{(\w+)\}/g, (_, name: string) => (name === bad ? 'a%00b' : 'x1'))
      const body = op.requestBody ? '{}' : undefined
      for (const param of pathParams) {
        expectNamed(await send(method, url(param), body), `${method} ${template} path ${param}`, 'params', param, /NUL/)
      }
      for (const param of queryParams) {
        expectNamed(await send(method, `${url()}?${param}=a%00b`, body), `${method} ${template} ?${param}`, 'querystring', param, /NUL/)
      }
      const schema = op.requestBody?.content['application/json']?.schema
      for (const leaf of schema ? stringLeaves(schema) : []) {
        for (const [label, value, message] of [
          ['NUL', NUL, /NUL/],
          ['lone surrogate', SURROGATE, /surrogate/],
        ] as const) {
          // JSON.stringify writes a lone surrogate as the escape \ud800, which the server's parser turns back into one.
          expectNamed(
            await send(method, url(), JSON.stringify(bodyWith(leaf, value))),
            `${method} ${template} body ${leaf.join('.')} (${label})`,
            'body',
            leaf.join('.'),
            message,
          )
        }
      }
    }
  }
  t.ok(cases > 100, `${cases} fields of every route checked`)
})

t.test('the rule reaches field names, nested fields and the real routes with otherwise valid bodies', async (t) => {
  const db = await testDatabase(t)
  const app = await buildServer({ db, store: new PostgresEventStore(db.sql) })
  t.teardown(() => app.close())
  const token = (await createToken(db.sql, { role: 'operator' })).token
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const provider = { providerId: 'p1', municipality: 'm1', name: 'Studio', kind: 'private' }
  for (const [what, payload, path] of [
    ['a name with a NUL', JSON.stringify({ ...provider, name: `Stu${'\u0000'}dio` }), 'name'],
    ['a name with a lone surrogate', JSON.stringify({ ...provider, name: 'Stu\udc00dio' }), 'name'],
    ['a field name with a NUL', JSON.stringify({ ...provider, 'x\u0000': 1 }), ''],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: '/v1/providers', headers, payload })
    t.equal(res.statusCode, 400, what)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { code: 'validation_failed', errors: [{ location: 'body', path }] })
  }
  const header = await app.inject({
    method: 'POST',
    url: '/v1/providers',
    headers: { ...headers, 'idempotency-key': 'key\u0000' },
    payload: JSON.stringify(provider),
  })
  t.match(header.json(), { status: 400, errors: [{ location: 'headers', path: 'idempotency-key' }] }, 'an idempotency key')
  const payment = await app.inject({
    method: 'POST',
    url: '/v1/invoices/A-2024-01-x/payments',
    headers,
    payload: JSON.stringify({ amount: '1.00', paidOn: '2024-01-10', paymentOrder: 'PO\u00001' }),
  })
  t.match(payment.json(), { status: 400, errors: [{ location: 'body', path: 'paymentOrder' }] }, 'a payment order')
  const encoded = await app.inject({ method: 'GET', url: '/v1/streams/a%ED%A0%80b/events', headers })
  t.equal(encoded.statusCode, 400, 'a path that does not decode (a lone surrogate percent-encoded) is a 400')
  t.match(encoded.headers['content-type'], /^application\/problem\+json/, 'as a problem document')
  const events = (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ledger.events`)[0]!.n
  t.equal(events, 0, 'nothing was recorded')
})

t.test('numbers in query parameters beyond what the database stores are a 400, never a 500', async (t) => {
  const db = await testDatabase(t)
  const app = await buildServer({ db, store: new PostgresEventStore(db.sql) })
  t.teardown(() => app.close())
  const roles: Role[] = ['operator', 'auditor']
  const tokens = await Promise.all(roles.map(async (role) => (await createToken(db.sql, { role })).token))
  const huge = '99999999999999999999'
  for (const url of [
    `/v1/contracts?minPosition=${huge}`,
    `/v1/certificates/T000000001?position=${huge}`,
    `/v1/certificates/T000000001?minPosition=${huge}`,
    `/v1/certificates?minPosition=9223372036854775808`,
  ]) {
    const res = await app.inject({ url, headers: { authorization: `Bearer ${tokens[0]}` } })
    t.equal(res.statusCode, 400, url)
    t.match(res.json(), { code: 'validation_failed', errors: [{ location: 'querystring', message: /at most 9223372036854775807/ }] })
  }
  const paths = (app.swagger() as { paths: Record<string, Record<string, Operation>> }).paths
  for (const [template, operations] of Object.entries(paths)) {
    if (!template.startsWith('/v1/') || !operations.get) continue
    for (const param of (operations.get.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)) {
      const url = `${template.replace(/\{(\w+)\}/g, 'x1')}?${param}=${huge}`
      let status = 0
      for (const token of tokens) {
        status = (await app.inject({ url, headers: { authorization: `Bearer ${token}` } })).statusCode
        if (status !== 403) break
      }
      t.ok(status < 500, `GET ${template}?${param}=${huge} is ${status}`)
    }
  }
})
