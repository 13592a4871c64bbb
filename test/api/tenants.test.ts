import t from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionReader } from '../../projections/read.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { buildServer } from '../../src/api/server.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { closeMonth } from '../../src/app/month-close.ts'
import { openFinancingPeriod } from '../../src/app/registry.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { wholeLog } from '../helpers/invariants.ts'
import { activeCertificate, ctx, MUNICIPALITY, smallWorld } from '../helpers/world.ts'

// Issue 13 §4: a payer reads and acts only on what its own periods finance; a provider on its own contracts. Another
// tenant's resource answers exactly as one that does not exist.

t.test('a second payer of the municipality reaches nothing of the first payer, and closes none of its months', async (t) => {
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
  // The operator opened a later period for another payer in the same municipality.
  await openFinancingPeriod(ledger, ctx(), {
    municipality: MUNICIPALITY,
    periodId: '2025',
    startDate: '2025-09-01',
    endDate: '2026-08-31',
    nominal: 800000,
    financingCap: 10,
    nominalLimit: null,
    payerId: 'evil-payer',
  })
  const { number } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(ledger, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  const oct = await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, (m) =>
    new ProjectionReader(db.sql, store).contracts.openIds(m),
  )
  await runner.catchUp()
  const bearer = async (role: 'payer' | 'provider', scope: { payerId?: string; providerId?: string }) => ({
    authorization: `Bearer ${(await createToken(db.sql, { role, ...scope })).token}`,
  })
  const evil = await bearer('payer', { payerId: 'evil-payer' })
  const own = await bearer('payer', { payerId: 'payer-1' })
  const otherProvider = await bearer('provider', { providerId: 'prov-2' })
  const invoice = oct.finalInvoices[0]!
  const missing = { certificate: 'X000000000', contract: '00000000-0000-4000-8000-00000000dead', invoice: 'final-nowhere' }

  // Reads: another tenant's resource is a 404 with the same code as a missing one.
  const reads: [string, string, string][] = [
    [`/v1/certificates/${number}`, `/v1/certificates/${missing.certificate}`, 'certificate_not_found'],
    [`/v1/certificates/${number}?asOf=2024-10-31`, `/v1/certificates/${missing.certificate}?asOf=2024-10-31`, 'certificate_not_found'],
    [`/v1/certificates/${number}/history`, `/v1/certificates/${missing.certificate}/history`, 'certificate_not_found'],
    [`/v1/contracts/${c.contractId}`, `/v1/contracts/${missing.contract}`, 'contract_not_found'],
    [`/v1/contracts/${c.contractId}/history`, `/v1/contracts/${missing.contract}/history`, 'contract_not_found'],
    [`/v1/invoices/${invoice}/document`, `/v1/invoices/${missing.invoice}/document`, 'invoice_not_found'],
  ]
  for (const [theirs, none, code] of reads) {
    const a = await app.inject({ url: theirs, headers: evil })
    const b = await app.inject({ url: none, headers: evil })
    t.same([a.statusCode, a.json().code], [404, code], `${theirs}: not found for another payer`)
    t.same([b.statusCode, b.json().code], [404, code], `${none}: the same for what does not exist`)
    t.equal((await app.inject({ url: theirs, headers: own })).statusCode, 200, `${theirs}: the payer it belongs to reads it`)
  }
  t.equal((await app.inject({ url: `/v1/contracts/${c.contractId}`, headers: otherProvider })).statusCode, 404, 'another provider: as if there were none')
  const lists = await app.inject({ url: `/v1/certificates?municipality=${MUNICIPALITY}`, headers: evil })
  t.same(lists.json().items, [], 'no certificate of another payer in its list (no birth dates)')
  t.same((await app.inject({ url: `/v1/contracts?municipality=${MUNICIPALITY}`, headers: evil })).json().items, [], 'nor contracts')
  t.same((await app.inject({ url: '/v1/providers/prov-1/invoices', headers: evil })).json().invoices, [], 'nor invoices')
  t.equal((await app.inject({ url: `/v1/certificates?municipality=${MUNICIPALITY}`, headers: own })).json().items.length, 1, 'the first payer lists its own')

  // Actions: the other payer's month, invoice and contract are not there to act on.
  const before = (await wholeLog(store)).length
  const close = await app.inject({ method: 'POST', url: `/v1/settlement/${MUNICIPALITY}/2024-11/close`, payload: { closedOn: '2024-12-01' }, headers: evil })
  t.same([close.statusCode, close.json().code], [404, 'municipality_not_found'], "the second payer cannot close the first payer's month")
  const pay = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${invoice}/payments`,
    payload: { amount: '1.00', paidOn: '2024-11-05', paymentOrder: '1' },
    headers: evil,
  })
  t.same([pay.statusCode, pay.json().code], [404, 'invoice_not_found'])
  const correction = await app.inject({
    method: 'POST',
    url: `/v1/contracts/${c.contractId}/corrections`,
    payload: { month: '2024-10', lessonsPlanned: 8, lessonsCancelledByProvider: 4, reason: 'x', correctedOn: '2024-11-20' },
    headers: evil,
  })
  t.same([correction.statusCode, correction.json().code], [404, 'contract_not_found'])
  t.equal((await wholeLog(store)).length, before, 'nothing was written')
  const mine = await app.inject({ method: 'POST', url: `/v1/settlement/${MUNICIPALITY}/2024-11/close`, payload: { closedOn: '2024-12-01' }, headers: own })
  t.equal(mine.statusCode, 200, 'the payer of the month closes it')
})
