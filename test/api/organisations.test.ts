import t, { type Test } from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { buildServer } from '../../src/api/server.ts'
import { Application } from '../../src/app/context.ts'
import { createToken, type Role } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { OTHER_BANK, validRequisites } from '../helpers/requisites.ts'
import { MUNICIPALITY, smallWorld } from '../helpers/world.ts'

// Issue 15: payers and providers as registry entities with requisites, over HTTP.

async function setup(t: Test) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS, { idleMs: 20 })
  const app = await buildServer({ db, store, ledger, runner })
  runner.start()
  t.teardown(async () => {
    await app.close()
    await runner.stop()
  })
  await smallWorld(ledger)
  const bearer = async (role: Role, scope: { payerId?: string; providerId?: string } = {}) => ({
    authorization: `Bearer ${(await createToken(db.sql, { role, ...scope })).token}`,
  })
  return { db, app, runner, ledger, operator: await bearer('operator'), bearer }
}

t.test('registering a payer and changing requisites from a date', async (t) => {
  const { app, operator } = await setup(t)
  const before = validRequisites(1)
  const post = (url: string, body: object) => app.inject({ method: 'POST', url, headers: operator, payload: body })
  const registered = await post('/v1/payers', { payerId: 'payer-1', municipality: MUNICIPALITY, name: 'Управление образования', requisites: before })
  t.equal(registered.statusCode, 201, registered.body)
  t.equal(registered.json().streamId, 'payer-payer-1')

  const bad = await post('/v1/payers', { payerId: 'payer-2', municipality: MUNICIPALITY, name: 'X', requisites: { ...before, inn: '6800000010' } })
  t.equal(bad.statusCode, 422)
  t.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(bad.json().code, 'requisites_invalid')
  t.equal(bad.json().field, 'requisites.inn')
  t.same(
    bad.json().errors.map((e: { path: string }) => e.path),
    ['requisites.inn'],
  )
  t.equal((await app.inject({ url: '/v1/payers/payer-2', headers: operator })).statusCode, 404, 'nothing recorded')

  const moved = validRequisites(1, OTHER_BANK)
  const change = { settlementAccount: moved.settlementAccount, bik: moved.bik, bankName: moved.bankName, correspondentAccount: moved.correspondentAccount }
  const badChange = await post('/v1/payers/payer-1/requisites', { effectiveOn: '2025-01-01', requisites: { bik: OTHER_BANK } })
  t.same([badChange.statusCode, badChange.json().field], [422, 'requisites.settlementAccount'], 'a new БИК must come with accounts that agree')
  const changed = await post('/v1/payers/payer-1/requisites', { effectiveOn: '2025-01-01', requisites: change })
  t.equal(changed.statusCode, 201, changed.body)

  const card = async (on: string) => (await app.inject({ url: `/v1/payers/payer-1?on=${on}`, headers: operator })).json()
  t.equal((await card('2024-12-31')).requisites.bik, before.bik)
  t.equal((await card('2025-01-01')).requisites.bik, OTHER_BANK)
  t.same((await card('2025-01-01')).missing, [])
  t.equal((await card('2025-01-01')).name, 'Управление образования')
  const latest = await app.inject({ url: '/v1/payers/payer-1', headers: operator })
  t.same([latest.json().on, latest.json().requisites.bik], [null, OTHER_BANK])
  const malformed = await app.inject({ url: '/v1/payers/payer-1?on=2025-02-30', headers: operator })
  t.same([malformed.statusCode, malformed.json().code], [400, 'validation_failed'])
})

t.test('a provider with its name alone stays valid; requisites added later; bad values named', async (t) => {
  const { app, operator, runner } = await setup(t)
  const post = (url: string, body: object) => app.inject({ method: 'POST', url, headers: operator, payload: body })
  const bare = await post('/v1/providers', { providerId: 'prov-2', municipality: MUNICIPALITY, name: 'Студия', kind: 'private' })
  t.equal(bare.statusCode, 201, 'as before issue 15')
  const card = (await app.inject({ url: '/v1/providers/prov-2', headers: operator })).json()
  t.same(card.requisites, {})
  t.ok(card.missing.includes('inn') && card.missing.includes('settlementAccount'))
  const wrongAccount = { ...validRequisites(2), settlementAccount: '40702810000000000001' }
  const bad = await post('/v1/providers/prov-2/requisites', { effectiveOn: '2024-09-01', requisites: wrongAccount })
  t.same([bad.statusCode, bad.json().code, bad.json().field], [422, 'requisites_invalid', 'requisites.settlementAccount'])
  const good = await post('/v1/providers/prov-2/requisites', { effectiveOn: '2024-09-01', requisites: validRequisites(2) })
  t.equal(good.statusCode, 201, good.body)
  t.same((await app.inject({ url: '/v1/providers/prov-2?on=2024-09-01', headers: operator })).json().requisites, validRequisites(2))
  t.same((await app.inject({ url: '/v1/providers/prov-2?on=2024-08-31', headers: operator })).json().requisites, {})
  // Two changes for one day: the later recorded is in force; the list reads the same spans as the card.
  const renamed = await post('/v1/providers/prov-2/requisites', { effectiveOn: '2024-09-01', requisites: { shortName: 'Студия «Ритм»' } })
  t.equal(renamed.statusCode, 201, renamed.body)
  const later = await post('/v1/providers/prov-2/requisites', { effectiveOn: '2025-01-01', requisites: { kpp: '682945001' } })
  t.equal(later.statusCode, 201, later.body)
  const cardOn = async (on: string) => (await app.inject({ url: `/v1/providers/prov-2?on=${on}`, headers: operator })).json().requisites
  t.equal((await cardOn('2024-09-01')).shortName, 'Студия «Ритм»', 'the later of two changes of one day')
  t.equal((await cardOn('2024-12-31')).kpp, validRequisites(2).kpp)
  t.equal((await cardOn('2025-01-01')).kpp, '682945001')
  await runner.catchUp()
  const listed = async (query: string) =>
    (await app.inject({ url: `/v1/providers?municipality=${MUNICIPALITY}${query}`, headers: operator }))
      .json()
      .providers.find((p: { providerId: string }) => p.providerId === 'prov-2')
  t.match(await listed('&on=2024-08-31'), { name: 'Студия', inn: null, shortName: null }, 'before its requisites: none')
  t.match(await listed('&on=2024-09-01'), { shortName: 'Студия «Ритм»', kpp: validRequisites(2).kpp })
  t.match(await listed('&on=2025-01-01'), { shortName: 'Студия «Ритм»', kpp: '682945001' })
  t.match(await listed(''), { kpp: '682945001' }, 'by default the latest recorded')
  const withRequisites = await post('/v1/providers', {
    providerId: 'prov-3',
    municipality: MUNICIPALITY,
    name: 'ИП Сидоров',
    kind: 'individual-entrepreneur',
    requisites: { inn: '500100732259', kpp: '682901001' },
  })
  t.same([withRequisites.statusCode, withRequisites.json().field], [422, 'requisites.kpp'], 'an entrepreneur has no КПП')
  const unknownField = await post('/v1/providers', { providerId: 'prov-4', municipality: MUNICIPALITY, name: 'X', kind: 'private', requisites: { vat: '1' } })
  t.equal(unknownField.statusCode, 400, 'requisites are a strict object')
})

t.test("cards: another tenant's answers as missing", async (t) => {
  const { app, operator, bearer } = await setup(t)
  await app.inject({ method: 'POST', url: '/v1/payers', headers: operator, payload: { payerId: 'payer-1', municipality: MUNICIPALITY, name: 'P1' } })
  await app.inject({ method: 'POST', url: '/v1/payers', headers: operator, payload: { payerId: 'payer-2', municipality: MUNICIPALITY, name: 'P2' } })
  const payer2 = await bearer('payer', { payerId: 'payer-2' })
  const provider = await bearer('provider', { providerId: 'prov-1' })
  const otherProvider = await bearer('provider', { providerId: 'prov-9' })
  const status = async (url: string, headers: Record<string, string>) => {
    const r = await app.inject({ url, headers })
    return [r.statusCode, r.json().code ?? null]
  }
  t.same(await status('/v1/payers/payer-1', payer2), [404, 'payer_not_found'], 'another payer')
  t.same(await status('/v1/payers/nobody', payer2), [404, 'payer_not_found'], 'a missing one, alike')
  t.same(await status('/v1/payers/payer-2', payer2), [200, null], 'itself')
  t.same(await status('/v1/payers/payer-1', provider), [200, null], 'a provider reads the payers it invoices')
  t.same(await status('/v1/providers/prov-1', payer2), [200, null], 'a payer reads providers')
  t.same(await status('/v1/providers/prov-1', otherProvider), [404, 'provider_not_found'], 'another provider')
  const refused = await app.inject({ method: 'POST', url: '/v1/payers', headers: payer2, payload: { payerId: 'x', municipality: MUNICIPALITY, name: 'X' } })
  t.equal(refused.statusCode, 403, 'only the operator registers')
})
