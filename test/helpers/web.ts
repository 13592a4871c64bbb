import type { FastifyInstance } from 'fastify'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { buildServer, type ServerDependencies } from '../../src/api/server.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { createToken, type Role } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from './database.ts'
import { activeCertificate, ctx, smallWorld } from './world.ts'

interface Teardown {
  teardown(fn: () => unknown): void
}

/**
 * The small world of test/helpers/world.ts with one contract (October 2024, 90 % attended) over a running server:
 * what the workspace's tests sign in to. Closing October issues its final invoice of 392.36 (90 % of 435.95, half-up)
 * and November's advance.
 */
export async function webWorld(t: Teardown, options: Partial<ServerDependencies> = {}) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS, { idleMs: 20 })
  const app = await buildServer({ db, store, ledger, runner, ...options })
  runner.start()
  t.teardown(async () => {
    await app.close()
    await runner.stop()
  })
  await smallWorld(ledger)
  const { number } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(ledger, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  const token = async (role: Role, scope: { providerId?: string; payerId?: string } = {}) => (await createToken(db.sql, { role, ...scope })).token
  const attendance = await app.inject({
    method: 'POST',
    url: `/v1/contracts/${c.contractId}/attendance`,
    headers: { authorization: `Bearer ${await token('provider', { providerId: 'prov-1' })}` },
    payload: {
      month: '2024-10',
      lessonsPlanned: 10,
      lessonsCancelledByProvider: 0,
      lessonsAttended: 9,
      providerCompletenessPercent: '90',
      recordedOn: '2024-10-31',
    },
  })
  if (attendance.statusCode !== 201) throw new Error(attendance.body)
  return { db, store, ledger, runner, app, token, certificateNumber: number, contractId: c.contractId }
}

/** Signs in through the form as a browser would: returns the session cookie and the session's CSRF token. */
export async function signIn(app: FastifyInstance, token: string): Promise<{ cookie: string; csrf: string }> {
  const form = await app.inject({ url: '/sign-in' })
  const pre = /ledger_sign_in=([^;]+)/.exec(String(form.headers['set-cookie']))![1]!
  const field = csrfOf(form.body)
  const res = await app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { cookie: `ledger_sign_in=${pre}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: field, token, next: '/' }).toString(),
  })
  if (res.statusCode !== 303) throw new Error(`sign-in answered ${res.statusCode}`)
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] as string | string[])
  const cookie = setCookie.find((c) => c.startsWith('ledger_session='))!.split(';')[0]!
  const home = await app.inject({ url: '/', headers: { cookie } })
  return { cookie, csrf: csrfOf(home.body) }
}

export const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)![1]!

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
