import crypto from 'node:crypto'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildServer } from '../../src/api/server.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'

// A PostgreSQL error about a row quotes the row: the JSON it could not store in `where`, the failing row in
// `detail`. Event data must not reach the logs that way at info; at debug, where an operator asked for it, it may.

const MARKER = 'event-data-seen-only-at-debug'

async function logsOf(t: Test, level: 'info' | 'debug'): Promise<string> {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  // An append of data PostgreSQL cannot store (a NUL in jsonb): its error's context quotes the event's JSON.
  const probe = async (app: FastifyInstance) => {
    app.post('/probe', async () => {
      await store.append(
        `probe-${crypto.randomUUID()}`,
        [
          {
            eventId: crypto.randomUUID(),
            type: 'Probed',
            schemaVersion: 1,
            data: { note: `${MARKER}\u0000` },
            metadata: { actor: 'test', correlationId: 'c', causationId: null, idempotencyKey: null },
          },
        ],
        { expectedVersion: 'no_stream' },
      )
      return { ok: true }
    })
  }
  const app = await buildServer({ db, store, logger: { level, stream }, plugins: [probe] })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'POST', url: '/probe' })
  t.equal(res.statusCode, 500, 'the append fails')
  t.notMatch(res.body, MARKER, 'the answer never quotes it')
  return lines.join('')
}

t.test('at info, a database error is logged without the event data it quotes', async (t) => {
  const logs = await logsOf(t, 'info')
  t.match(logs, /unhandled error/, 'the error is logged')
  t.match(logs, /redacted: may quote event data/, 'with its data-bearing fields redacted')
  t.notMatch(logs, MARKER, 'and no trace of the event data')
})

t.test('at debug, it is logged whole', async (t) => {
  const logs = await logsOf(t, 'debug')
  t.match(logs, MARKER, 'the event data is there for the operator who asked')
})
