import t, { type Test } from 'tap'
import { buildServer } from '../../src/api/server.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'

async function setup(t: Test) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = await buildServer({ db, store })
  t.teardown(() => app.close())
  const bearer = async (role: 'operator' | 'payer' | 'provider' | 'auditor' | 'reporting', scope: { providerId?: string; payerId?: string } = {}) => ({
    authorization: `Bearer ${(await createToken(db.sql, { role, ...scope })).token}`,
  })
  const operator = await bearer('operator')
  const post = (url: string, payload: object, headers: Record<string, string> = operator) => app.inject({ method: 'POST', url, payload, headers })
  return { app, db, store, bearer, operator, post }
}

const eventCount = async (s: { db: { sql: import('../../src/db/database.ts').Sql } }) =>
  (await s.db.sql<{ count: number }[]>`SELECT count(*)::int AS count FROM ledger.events`)[0]!.count

/** The worked example's world over HTTP: period 2024 (cap 1), a provider with its agreement, a certified programme, a group. */
async function world(t: Test) {
  const s = await setup(t)
  const ok = (res: { statusCode: number; body: string }, status: number, what: string) => t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 200)}`)
  ok(
    await s.post('/v1/municipalities/tambov/periods', {
      periodId: '2024',
      startDate: '2024-09-01',
      endDate: '2025-08-31',
      nominal: '7760.00',
      financingCap: 1,
      payerId: 'payer-1',
    }),
    201,
    'period',
  )
  ok(await s.post('/v1/providers', { providerId: 'prov-1', municipality: 'tambov', name: 'ЦДТ', kind: 'municipal' }), 201, 'provider')
  ok(
    await s.post(
      '/v1/providers/prov-1/agreements',
      { payerId: 'payer-1', periodId: '2024', concludedOn: '2024-08-01' },
      await s.bearer('payer', { payerId: 'payer-1' }),
    ),
    201,
    'agreement by the payer',
  )
  ok(
    await s.post('/v1/programmes', { programmeId: 'robotics', providerId: 'prov-1', title: 'Робототехника', direction: 'technical', kind: 'financing' }),
    201,
    'programme',
  )
  ok(await s.post('/v1/programmes/robotics/quality-assessments', { score: 30, assessedOn: '2024-06-01' }), 201, 'assessment')
  ok(
    await s.post('/v1/groups', {
      groupId: 'g1',
      programmeId: 'robotics',
      startDate: '2024-09-01',
      endDate: '2025-05-31',
      price: '9000.00',
      normativeCost: '7000.00',
      capacity: 5,
    }),
    201,
    'group',
  )
  ok(
    await s.post('/v1/certificates', {
      certificateNumber: 'A000000001',
      municipality: 'tambov',
      birthDate: '2014-02-02',
      issuedOn: '2024-09-02',
      type: 'financing',
    }),
    201,
    'certificate',
  )
  ok(await s.post('/v1/certificates/A000000001/activation', { activatedOn: '2024-09-02' }), 200, 'activation')
  return s
}

t.test('enrolment over HTTP: the worked example, ETags, provider scope and domain refusals', async (t) => {
  const s = await world(t)
  const requested = await s.post('/v1/contracts', { certificateNumber: 'A000000001', groupId: 'g1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  t.equal(requested.statusCode, 201)
  const contract = requested.json()
  t.match(contract.quote, {
    all: '7549.46',
    normative: '5871.80',
    certificate: '5871.80',
    parent: '1677.66',
    certificateFirstMonth: '435.95',
    certificateOtherMonth: '776.55',
  })
  t.equal(requested.headers.etag, `"${contract.version}"`, 'the ETag is the stream version')

  const stranger = await s.bearer('provider', { providerId: 'prov-2' })
  const foreign = await s.post(`/v1/contracts/${contract.contractId}/acceptance`, { acceptedOn: '2024-10-02' }, stranger)
  // Another provider's contract answers as if there were none (src/app/scope.ts).
  t.equal(foreign.statusCode, 404, "a provider cannot accept another provider's contract")
  t.equal(foreign.json().code, 'contract_not_found')

  const own = await s.bearer('provider', { providerId: 'prov-1' })
  const stale = await s.app.inject({
    method: 'POST',
    url: `/v1/contracts/${contract.contractId}/acceptance`,
    payload: { acceptedOn: '2024-10-02' },
    headers: { ...own, 'if-match': '"7"' },
  })
  t.equal(stale.statusCode, 412, 'If-Match with a stale version')
  t.equal(stale.json().code, 'precondition_failed')
  const accepted = await s.app.inject({
    method: 'POST',
    url: `/v1/contracts/${contract.contractId}/acceptance`,
    payload: { acceptedOn: '2024-10-02' },
    headers: { ...own, 'if-match': requested.headers.etag as string },
  })
  t.equal(accepted.statusCode, 200)
  t.equal(accepted.json().status, 'accepted')
  t.equal(accepted.headers.etag, `"${contract.version + 1}"`)

  const again = await s.post('/v1/contracts', { certificateNumber: 'A000000001', groupId: 'g1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, 'duplicate_contract')
  t.match(again.headers['content-type'], /application\/problem\+json/)

  const expensive = await s.post('/v1/groups', {
    groupId: 'g2',
    programmeId: 'robotics',
    startDate: '2024-09-01',
    endDate: '2025-05-31',
    price: '10500.01',
    normativeCost: '7000.00',
    capacity: 5,
  })
  t.equal(expensive.statusCode, 422)
  t.equal(expensive.json().code, 'price_above_limit')

  const malformed = await s.post('/v1/groups', {
    groupId: 'g3',
    programmeId: 'robotics',
    startDate: '2024-09-31',
    endDate: '2025-05-31',
    price: '10.5',
    normativeCost: '-1.00',
    capacity: 0,
  })
  t.equal(malformed.statusCode, 400)
  t.same(
    malformed
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['capacity', 'normativeCost', 'price', 'startDate'],
  )

  const missing = await s.post('/v1/certificates/Z000000000/activation', { activatedOn: '2024-09-02' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'certificate_not_found')
})

t.test('the cap over HTTP: 202 with the place in the queue', async (t) => {
  const s = await world(t)
  const second = await s.post('/v1/certificates', {
    certificateNumber: 'A000000002',
    municipality: 'tambov',
    birthDate: '2014-02-02',
    issuedOn: '2024-09-02',
    type: 'financing',
  })
  t.equal(second.statusCode, 202)
  t.match(second.json(), { type: 'accounting', queuePosition: 1 })
  const wrongRole = await s.post(
    '/v1/certificates',
    { certificateNumber: 'A000000003', municipality: 'tambov', birthDate: '2014-02-02', issuedOn: '2024-09-02', type: 'accounting' },
    await s.bearer('reporting'),
  )
  t.equal(wrongRole.statusCode, 403)
})

t.test('Idempotency-Key over HTTP: the retry gets the first response and writes nothing', async (t) => {
  const s = await world(t)
  const body = { certificateNumber: 'A000000001', groupId: 'g1', requestedOn: '2024-10-01', startDate: '2024-10-15' }
  const headers = { ...s.operator, 'idempotency-key': 'req-0001' }
  const first = await s.post('/v1/contracts', body, headers)
  t.equal(first.statusCode, 201)
  const before = await eventCount(s)
  const retry = await s.post('/v1/contracts', body, headers)
  t.equal(retry.statusCode, 201)
  t.same(retry.json(), first.json(), 'same contract, same quote, same version')
  const after = await eventCount(s)
  t.equal(after, before, 'no event appended')
  const other = await s.post('/v1/contracts', { ...body, startDate: '2024-11-01' }, headers)
  t.equal(other.statusCode, 409)
  t.equal(other.json().code, 'idempotency_key_reused')
  const [event] = await s.db.sql`SELECT metadata FROM ledger.events WHERE type = 'ContractRequested'`
  t.equal(event!.metadata.idempotencyKey, 'req-0001', 'the key is in the metadata')
  t.match(event!.metadata.actor, /^operator:/)
})

t.test('POST /v1/quotes computes without recording', async (t) => {
  const s = await setup(t)
  const res = await s.post(
    '/v1/quotes',
    { groupStart: '2024-09-01', groupEnd: '2025-05-31', start: '2024-10-15', price: '9000.00', normative: '7000.00', balance: '7760.00' },
    await s.bearer('reporting'),
  )
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    days: 229,
    months: 8,
    all: '7549.46',
    normative: '5871.80',
    certificate: '5871.80',
    parent: '1677.66',
    certificateFirstMonth: '435.95',
    certificateOtherMonth: '776.55',
    parentFirstMonth: '124.57',
    parentOtherMonth: '221.87',
  })
  const outside = await s.post('/v1/quotes', {
    groupStart: '2024-09-01',
    groupEnd: '2025-05-31',
    start: '2025-06-15',
    price: '9000.00',
    normative: '7000.00',
    balance: '7760.00',
  })
  t.equal(outside.statusCode, 422)
  t.equal(outside.json().code, 'start_outside_group')
  t.equal(await eventCount(s), 0)
})

t.test('If-Match is honoured on contract requests, closures and month closes', async (t) => {
  const s = await world(t)
  const body = { certificateNumber: 'A000000001', groupId: 'g1', requestedOn: '2024-10-01', startDate: '2024-10-15' }
  const before = await eventCount(s)
  const stale = await s.app.inject({ method: 'POST', url: '/v1/contracts', payload: body, headers: { ...s.operator, 'if-match': '"3"' } })
  t.same([stale.statusCode, stale.json().code], [412, 'precondition_failed'], 'a new contract is not at version 3')
  t.equal(await eventCount(s), before, 'and nothing was written')
  const created = await s.app.inject({ method: 'POST', url: '/v1/contracts', payload: body, headers: { ...s.operator, 'if-match': '"no-stream"' } })
  t.equal(created.statusCode, 201, created.body)
  const contract = created.json()
  const closure = await s.app.inject({
    method: 'POST',
    url: `/v1/contracts/${contract.contractId}/closure`,
    payload: { closedOn: '2025-06-01' },
    headers: { ...s.operator, 'if-match': '"99"' },
  })
  t.same([closure.statusCode, closure.json().code], [412, 'precondition_failed'], 'a closure against a version the contract is not at')
  const close = await s.app.inject({
    method: 'POST',
    url: '/v1/settlement/tambov/2024-10/close',
    payload: { closedOn: '2024-11-01' },
    headers: { ...s.operator, 'if-match': '"5"' },
  })
  t.same([close.statusCode, close.json().code], [412, 'precondition_failed'], 'a month close against a settlement version that is not there')
  const first = await s.app.inject({
    method: 'POST',
    url: '/v1/settlement/tambov/2024-10/close',
    payload: { closedOn: '2024-11-01' },
    headers: { ...s.operator, 'if-match': '"no-stream"' },
  })
  t.equal(first.statusCode, 200, 'the first close expects no settlement stream yet')
})
