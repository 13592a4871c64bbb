import t from 'tap'
import { buildServer } from '../../src/api/server.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, refuseContract, requestContract } from '../../src/app/contracts.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { activeCertificate, ctx, smallWorld } from '../helpers/world.ts'

t.test('the audit trail of a certificate and of a contract: order, dates, actor, money before and after', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  const app = await buildServer({ db, store, ledger })
  t.teardown(() => app.close())
  await smallWorld(ledger, { groups: 2 })
  const { number } = await activeCertificate(ledger, 1)
  const kept = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(ledger, ctx(), { contractId: kept.contractId, acceptedOn: '2024-10-02' })
  const refused = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-2', requestedOn: '2024-10-03', startDate: '2024-10-15' })
  await refuseContract(ledger, ctx(), { contractId: refused.contractId, refusedOn: '2024-10-04', by: 'provider', reason: 'no teacher' })
  const auditor = { authorization: `Bearer ${(await createToken(db.sql, { role: 'auditor' })).token}` }

  const res = await app.inject({ url: `/v1/certificates/${number}/history`, headers: auditor })
  t.equal(res.statusCode, 200, res.body)
  const events = res.json().events as {
    type: string
    businessDate: string
    actor: string
    correlationId: string
    money: Record<string, string> | null
    globalPosition: string
  }[]
  // In the order of the business dates; within a day, in the log's order.
  t.ok(
    events.every((e, i) => {
      const before = events[i - 1]
      if (!before) return true
      const [a, b] = [before.businessDate ?? '', e.businessDate ?? '']
      return a < b || (a === b && BigInt(e.globalPosition) > BigInt(before.globalPosition))
    }),
    'in business order',
  )
  t.same(
    events.slice(0, 4).map((e) => e.type),
    ['CertificateIssued', 'FinancingPlaceTaken', 'CertificateTypeChanged', 'NominalCredited'],
    'the municipality stream’s place too',
  )
  t.same(
    ['CertificateIssued', 'ContractRequested', 'ContractRefused'].map((type) => events.find((e) => e.type === type)!.businessDate),
    ['2024-09-02', '2024-10-01', '2024-10-04'],
    'business dates from the events, not the clock',
  )
  t.ok(
    events.every((e) => e.actor === 'system:test' && e.correlationId === 'test-run'),
    'who caused each',
  )
  const money = events.filter((e) => e.money).map((e) => [e.type, e.money!.balanceBefore, e.money!.balanceAfter])
  // 7 760.00 credited; 5 871.80 reserved twice (both contracts start on 15 October); the refusal returns one; the
  // acceptance wrote the kept contract's October off on its start date (15 October), which leaves the balance.
  t.same(money, [
    ['CertificateTypeChanged', '0.00', '0.00'],
    ['NominalCredited', '0.00', '7760.00'],
    ['CertificateFundsReserved', '7760.00', '1888.20'],
    ['CertificateFundsReserved', '1888.20', '0.00'],
    ['CertificateReservationReleased', '0.00', '1888.20'],
    ['CertificateFundsWrittenOff', '1888.20', '1888.20'],
  ])

  const contract = (await app.inject({ url: `/v1/contracts/${refused.contractId}/history`, headers: auditor })).json()
  t.same(
    contract.events.map((e: { type: string }) => e.type),
    ['GroupPlaceTaken', 'CertificateFundsReserved', 'ContractRequested', 'ContractRefused', 'CertificateReservationReleased', 'GroupPlaceReleased'],
  )
  t.match(contract.events[1].money, { balanceBefore: '1888.20', balanceAfter: '0.00' }, 'the money effect seen on the certificate')
  const provider = { authorization: `Bearer ${(await createToken(db.sql, { role: 'provider', providerId: 'prov-2' })).token}` }
  t.equal(
    (await app.inject({ url: `/v1/contracts/${refused.contractId}/history`, headers: provider })).statusCode,
    404,
    "another provider's contract: as if there were none",
  )
  t.equal((await app.inject({ url: '/v1/certificates/X000000000/history', headers: auditor })).statusCode, 404)
})
