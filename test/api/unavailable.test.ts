import http from 'node:http'
import type { FastifyInstance } from 'fastify'
import postgres from 'postgres'
import t from 'tap'
import { buildServer } from '../../src/api/server.ts'
import { type Database, openDatabase } from '../../src/db/database.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { fakePostgres } from '../helpers/fake-postgres.ts'
import { freePort } from '../helpers/own-postgres.ts'

// The API when its database is away, without a database to stop: a server that accepts connections and never
// answers, and a port nobody listens on. The real thing (a PostgreSQL stopped and started under load) is
// test/api/database-outage.test.ts.

const within = <T>(ms: number, p: Promise<T>) => Promise.race([p, new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms).unref())])

t.test('/ready answers 503 within its own timeout when the database does not answer', async (t) => {
  const hung = await fakePostgres(() => 'ignore')
  t.teardown(() => hung.close())
  const sql = postgres({ host: '127.0.0.1', port: hung.port, max: 2, fetch_types: false, onnotice: () => {} })
  const db: Database = { sql, kind: 'server', concurrency: 2, close: () => sql.end({ timeout: 0 }) }
  t.teardown(() => db.close())
  const app = await buildServer({ db, store: new PostgresEventStore(sql) })
  t.teardown(() => app.close())
  const started = Date.now()
  const res = await within(10_000, app.inject('/ready'))
  if (res === 'timed out') return t.fail('/ready still had not answered after 10 s')
  t.equal(res.statusCode, 503)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { code: 'not_ready', detail: /no answer within 1000 ms/ })
  t.ok(Date.now() - started < 8000, `within the 1 s timeout, with a margin (${Date.now() - started} ms)`)
})

t.test('a request while the database refuses connections is a 503 problem with Retry-After, not a 500', async (t) => {
  const db = await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${await freePort()}/ledger` })
  t.teardown(() => db.close())
  const app = await buildServer({ db, store: new PostgresEventStore(db.sql) })
  t.teardown(() => app.close())
  const write = await within(
    10_000,
    app.inject({
      method: 'POST',
      url: '/v1/providers',
      headers: { authorization: 'Bearer lgr_whatever' },
      payload: { providerId: 'p1', municipality: 'm1', name: 'Studio', kind: 'private' },
    }),
  )
  if (write === 'timed out') return t.fail('the write still had not answered after 10 s')
  t.equal(write.statusCode, 503)
  t.match(write.headers['content-type'], /^application\/problem\+json/)
  t.match(write.json(), { status: 503, code: 'database_unavailable', type: 'urn:pfdo-ledger:problem:database_unavailable' })
  t.equal(write.headers['retry-after'], '1')
})

t.test('closing the server does not wait for the keep-alive connection of a request answered meanwhile', async (t) => {
  let release = () => {}
  const slow = async (app: FastifyInstance) => {
    app.get('/slow', async () => {
      await new Promise<void>((resolve) => (release = resolve))
      return { ok: true }
    })
  }
  const sql = postgres({ host: '127.0.0.1', port: 1, max: 1, onnotice: () => {} })
  const app = await buildServer({ db: { sql, kind: 'server', concurrency: 1, close: async () => {} }, store: new PostgresEventStore(sql), plugins: [slow] })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const agent = new http.Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/slow', agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(res))
      })
      .on('error', reject)
  })
  await new Promise((r) => setTimeout(r, 200)) // the request is in flight
  const started = Date.now()
  const closed = app.close()
  await new Promise((r) => setTimeout(r, 100))
  release()
  const res = await answered
  t.equal(res.headers.connection, 'close', 'the answer tells the client to close its connection')
  t.not(await within(20_000, closed), 'timed out', 'and the server closes without waiting for keep-alive to run out (72 s)')
  t.comment(`closed in ${Date.now() - started} ms`)
})
