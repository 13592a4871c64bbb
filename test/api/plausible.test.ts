import t from 'tap'
import { ProjectionReader } from '../../projections/read.ts'
import { buildServer } from '../../src/api/server.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { closeMonth } from '../../src/app/month-close.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { wholeLog } from '../helpers/invariants.ts'
import { activeCertificate, ctx, MUNICIPALITY, smallWorld } from '../helpers/world.ts'

// Issue 13 §1: every value a command accepts is plausible — dates within the ledger's years, counts a month can
// hold, ids of things that exist — checked at the edge, so nothing implausible reaches the log.

t.test('implausible dates, counts and ids are refused at the edge and change nothing', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  const app = await buildServer({ db, store, ledger })
  t.teardown(() => app.close())
  await smallWorld(ledger)
  const { number } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(ledger, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  const oct = await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, (m) =>
    new ProjectionReader(db.sql, store).contracts.openIds(m),
  )
  const operator = { authorization: `Bearer ${(await createToken(db.sql, { role: 'operator' })).token}` }
  const payer = { authorization: `Bearer ${(await createToken(db.sql, { role: 'payer', payerId: 'payer-1' })).token}` }
  const before = (await wholeLog(store)).length

  const refused = async (method: 'GET' | 'POST', url: string, payload: unknown, headers: Record<string, string>, field: string, status = 400) => {
    const r = await app.inject({ method, url, payload: payload as never, headers })
    t.equal(r.statusCode, status, `${method} ${url} ${JSON.stringify(payload)}: ${status}`)
    if (status === 400)
      t.ok(
        r.json().errors.some((e: { path: string }) => e.path === field),
        `names ${field}: ${r.body}`,
      )
    return r
  }
  const advance = oct.advanceInvoices[0]!
  await refused('POST', `/v1/invoices/${advance}/payments`, { amount: '0.01', paidOn: '0000-01-01', paymentOrder: 'PO-1' }, payer, 'paidOn')
  await refused('POST', `/v1/invoices/${advance}/payments`, { amount: '0.01', paidOn: '1999-12-31', paymentOrder: 'PO-1' }, payer, 'paidOn')
  await refused('POST', `/v1/invoices/${advance}/payments`, { amount: '0.01', paidOn: '2101-01-01', paymentOrder: 'PO-1' }, payer, 'paidOn')
  const attendance = { month: '2024-11', lessonsCancelledByProvider: 0, lessonsAttended: 0, recordedOn: '2024-11-30' }
  await refused('POST', `/v1/contracts/${c.contractId}/attendance`, { ...attendance, lessonsPlanned: 2 ** 31 }, operator, 'lessonsPlanned')
  await refused('POST', `/v1/contracts/${c.contractId}/attendance`, { ...attendance, lessonsPlanned: 101 }, operator, 'lessonsPlanned')
  await refused(
    'POST',
    '/v1/certificates',
    { certificateNumber: 'Q000000001', municipality: MUNICIPALITY, birthDate: '1970-01-01', issuedOn: '2024-09-02', type: 'accounting' },
    operator,
    'birthDate',
  )
  await refused(
    'POST',
    '/v1/groups',
    { groupId: 'huge', programmeId: 'robotics', startDate: '2024-09-01', endDate: '2025-05-31', price: '1.00', normativeCost: '1.00', capacity: 5000 },
    operator,
    'capacity',
  )
  await refused('GET', `/v1/municipalities/${MUNICIPALITY}/coverage?date=0000-01-01`, undefined, operator, 'date')
  await refused('GET', `/v1/reconciliation?municipality=${MUNICIPALITY}&month=0000-10`, undefined, operator, 'month')
  for (const m of ['NaN', '1e400', 'nowhere']) {
    const r = await refused('POST', `/v1/settlement/${m}/2024-10/close`, {}, operator, '', 404)
    t.equal(r.json().code, 'municipality_not_found', `${m}: no such municipality has months to close`)
  }
  t.equal((await wholeLog(store)).length, before, 'nothing was written')
})
