import t, { type Test } from 'tap'
import { changeCertificateType, freezeCertificate } from '../../src/app/certificates.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, refuseContract, requestContract, terminateContract } from '../../src/app/contracts.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { onServer, testDatabase } from '../helpers/database.ts'
import { figures, violations, wholeLog } from '../helpers/invariants.ts'
import { activeCertificate, certificateNo, ctx, MUNICIPALITY, PERIOD, smallWorld } from '../helpers/world.ts'

const NOMINAL = 776000
// The worked example of domain.md: this request reserves 5 871.80 and leaves 7 760.00 − 5 871.80 = 1 888.20.
const WORKED = { requestedOn: '2024-10-01', startDate: '2024-10-15' }
const CERT_PART = 587180

async function setup(t: Test, options: Parameters<typeof smallWorld>[1] = {}) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  const world = await smallWorld(app, options)
  const check = async () => {
    const log = await wholeLog(store)
    return { log, f: figures(log), problems: violations(log) }
  }
  return { db, store, app, world, check }
}

const refusal = async (p: Promise<unknown>) => {
  try {
    await p
    return null
  } catch (error) {
    if (error instanceof DomainError) return error.code
    throw error
  }
}

t.test('a financing certificate gets the nominal; a request reserves the exact certificate part', async (t) => {
  const { app, check } = await setup(t)
  const { number, issued } = await activeCertificate(app, 1)
  t.equal(issued.type, 'financing')
  t.equal(issued.queuePosition, null)
  const contract = await requestContract(app, ctx(), { certificateNumber: number, groupId: 'robotics-1', ...WORKED })
  t.equal(contract.status, 'requested')
  t.equal(contract.quote!.certificate, CERT_PART)
  t.equal(contract.quote!.parent, 754946 - CERT_PART)
  const { f, problems } = await check()
  t.same(problems, [])
  t.same(f.money.get(`${number}|${PERIOD}`), { nominal: NOMINAL, reserved: CERT_PART, spent: 0, balance: NOMINAL - CERT_PART })
  t.same([...f.places.get('robotics-1')!], [contract.contractId])

  // A budget programme reserves nothing and works with an accounting certificate too.
  const { number: acc } = await activeCertificate(app, 2, 'accounting')
  const choir = await requestContract(app, ctx(), { certificateNumber: acc, groupId: 'choir-1', ...WORKED })
  t.equal(choir.quote!.certificate, 0)
  t.equal(
    await refusal(requestContract(app, ctx(), { certificateNumber: acc, groupId: 'robotics-1', ...WORKED })),
    'no_certificate_funds',
    'no money, no financing contract',
  )
  const after = await check()
  t.equal(after.f.places.get('robotics-1')!.size, 1, 'the refused request gave its place back')
  t.same(after.problems, [])
})

t.test('the cap: the next financing certificate waits in the queue and is promoted when a place frees', async (t) => {
  const { app, check } = await setup(t, { cap: 2 })
  await activeCertificate(app, 1)
  await activeCertificate(app, 2)
  const third = await activeCertificate(app, 3)
  t.equal(third.issued.type, 'accounting', 'issued as accounting')
  t.equal(third.issued.queuePosition, 1, 'first in the queue')
  const fourth = await activeCertificate(app, 4)
  t.equal(fourth.issued.queuePosition, 2)
  await changeCertificateType(app, ctx(), { certificateNumber: certificateNo(1), to: 'accounting', periodId: PERIOD, on: '2024-10-01' })
  const { f, problems } = await check()
  t.same(problems, [])
  t.same([...f.financingPlaces.get(`${MUNICIPALITY}|${PERIOD}`)!].sort(), [certificateNo(2), certificateNo(3)], 'the head of the queue took the place')
  t.equal(f.money.get(`${certificateNo(1)}|${PERIOD}`)!.balance, 0, 'the accounting certificate has nothing')
  t.equal(f.money.get(`${certificateNo(3)}|${PERIOD}`)!.balance, NOMINAL, 'the promoted one got the nominal')
  t.equal(f.money.get(`${certificateNo(4)}|${PERIOD}`), undefined, 'the second in the queue still waits')
})

t.test('refusal, termination and freeze give the money back', async (t) => {
  const { app, check } = await setup(t, { groups: 3 })
  const { number } = await activeCertificate(app, 1)
  const a = await requestContract(app, ctx(), {
    certificateNumber: number,
    groupId: 'robotics-1',
    requestedOn: '2024-09-02',
    startDate: '2024-09-02',
    endDate: '2024-09-30',
  })
  await refuseContract(app, ctx(), { contractId: a.contractId, refusedOn: '2024-09-03', by: 'provider', reason: 'no teacher' })
  let { f } = await check()
  t.equal(f.money.get(`${number}|${PERIOD}`)!.balance, NOMINAL, 'refused: all back')
  t.equal(f.places.get('robotics-1')!.size, 0, 'and the place too')

  const b = await requestContract(app, ctx(), { certificateNumber: number, groupId: 'robotics-2', ...WORKED })
  await acceptContract(app, ctx(), { contractId: b.contractId, acceptedOn: '2024-10-02' })
  await terminateContract(app, ctx(), { contractId: b.contractId, terminatedOn: '2025-01-20', by: 'parent', reason: 'moved away' })
  ;({ f } = await check())
  // October 435.95 was written off by the acceptance (the contract's first month, from 15 October); Nov..Jan
  // 3 × 776.55 stay reserved (to be written off as each begins); Feb..May 4 × 776.55 return.
  t.equal(f.money.get(`${number}|${PERIOD}`)!.reserved, 3 * 77655)
  t.equal(f.money.get(`${number}|${PERIOD}`)!.spent, 43595)
  t.equal(f.money.get(`${number}|${PERIOD}`)!.balance, NOMINAL - 43595 - 3 * 77655)

  const { number: other } = await activeCertificate(app, 2)
  const pending = await requestContract(app, ctx(), { certificateNumber: other, groupId: 'robotics-3', ...WORKED })
  await freezeCertificate(app, ctx(), { certificateNumber: other, periodId: PERIOD, on: '2024-10-05' })
  const end = await check()
  t.equal(end.f.contracts.get(pending.contractId)!.status, 'refused', 'the pending request was refused')
  t.same(end.f.money.get(`${other}|${PERIOD}`), { nominal: 0, reserved: 0, spent: 0, balance: 0 }, 'frozen: balance zero')
  t.notOk(end.f.financingPlaces.get(`${MUNICIPALITY}|${PERIOD}`)!.has(other), 'and its financing place released')
  t.same(end.problems, [])
  t.equal(await refusal(freezeCertificate(app, ctx(), { certificateNumber: number, periodId: PERIOD, on: '2024-10-05' })), 'certificate_has_running_contracts')
})

t.test('a contract request interrupted half-way is finished by running it again, once', async (t) => {
  for (const point of ['contract-request:place', 'contract-request:reserve']) {
    const db = await testDatabase(t)
    const store = new PostgresEventStore(db.sql)
    let crash = true
    const crashing = new Application(store, (p) => {
      if (p === point && crash) throw new Error(`simulated crash at ${p}`)
    })
    await smallWorld(crashing)
    const { number } = await activeCertificate(crashing, 1)
    const contractId = '11111111-2222-4333-8444-555555555555'
    await t.rejects(requestContract(crashing, ctx(), { contractId, certificateNumber: number, groupId: 'robotics-1', ...WORKED }), /simulated crash/)
    const half = figures(await wholeLog(store))
    t.equal(half.places.get('robotics-1')!.size, 1, `${point}: the place was taken before the crash`)
    t.notOk(half.contracts.has(contractId), `${point}: no contract yet`)

    // Another process (a fresh application: nothing cached) runs the same request again.
    crash = false
    const rerun = await requestContract(new Application(store), ctx(), { contractId, certificateNumber: number, groupId: 'robotics-1', ...WORKED })
    t.equal(rerun.status, 'requested')
    const log = await wholeLog(store)
    const done = figures(log)
    t.same(violations(log), [], `${point}: consistent after the rerun`)
    t.equal(done.places.get('robotics-1')!.size, 1, 'one place')
    t.equal(done.reservedByContract.get(contractId), CERT_PART, 'one reservation of the certificate part')
    t.equal(log.filter((e) => e.type === 'CertificateFundsReserved').length, 1)
    t.equal(log.filter((e) => e.type === 'ContractRequested').length, 1)
    const again = await requestContract(new Application(store), ctx(), { contractId, certificateNumber: number, groupId: 'robotics-1', ...WORKED })
    t.equal(again.version, rerun.version, 'a third run changes nothing')
    t.equal((await wholeLog(store)).length, log.length)
  }
})

t.test('idempotency keys: a retry returns the first result; the same key with another body is refused', async (t) => {
  const { app, store } = await setup(t)
  const { number } = await activeCertificate(app, 1)
  const first = await requestContract(app, ctx('key-1'), { certificateNumber: number, groupId: 'robotics-1', ...WORKED })
  const count = (await wholeLog(store)).length
  const retry = await requestContract(new Application(store), ctx('key-1'), { certificateNumber: number, groupId: 'robotics-1', ...WORKED })
  t.equal(retry.contractId, first.contractId)
  t.same(retry.quote, first.quote)
  t.equal((await wholeLog(store)).length, count, 'nothing appended')
  t.equal(
    await refusal(requestContract(app, ctx('key-1'), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-11-01' })),
    'idempotency_key_reused',
  )
  t.equal(
    await refusal(changeCertificateType(app, ctx('key-1'), { certificateNumber: number, to: 'accounting', periodId: PERIOD, on: '2024-10-01' })),
    'idempotency_key_reused',
    'another command too',
  )
})

t.test(
  'concurrent requests for the last places of a group and the last money of a certificate',
  { skip: onServer ? false : 'needs several connections' },
  async (t) => {
    const { store, check, app } = await setup(t, { capacity: 5, groups: 6 })
    const numbers: string[] = []
    for (let i = 1; i <= 12; i++) numbers.push((await activeCertificate(app, i)).number)
    // Twelve children race for the five places of robotics-1, each through its own application instance, as if
    // from separate server processes.
    const outcomes = await Promise.allSettled(
      numbers.map((n) => requestContract(new Application(store), ctx(), { certificateNumber: n, groupId: 'robotics-1', ...WORKED })),
    )
    const won = outcomes.filter((o) => o.status === 'fulfilled').length
    t.equal(won, 5, 'exactly the capacity')
    t.ok(
      outcomes.every((o) => o.status === 'fulfilled' || (o.reason instanceof DomainError && o.reason.code === 'group_full')),
      'the others are told the group is full',
    )
    // One child (7 760.00) asks for five other groups at once from 2025-03-01: each would reserve
    // ceil(92 × 7 000.00 / 273) = 2 358.98 (92 days, normative below price), so three fit (7 076.94) and
    // the fourth gets only what is left (683.06), the fifth nothing — whatever order they arrive in.
    // A thirteenth child, who took no part in the race above (a place won there would already hold money).
    const rich = (await activeCertificate(app, 13)).number
    const racing = await Promise.allSettled(
      ['robotics-2', 'robotics-3', 'robotics-4', 'robotics-5', 'robotics-6'].map((g) =>
        requestContract(new Application(store), ctx(), { certificateNumber: rich, groupId: g, requestedOn: '2025-03-01', startDate: '2025-03-01' }),
      ),
    )
    const { f, problems } = await check()
    t.same(problems, [], 'no overbooking, no overdraft, no place without money or money without a contract')
    t.equal(f.places.get('robotics-1')!.size, 5)
    const m = f.money.get(`${rich}|${PERIOD}`)!
    t.ok(m.balance >= 0, 'balance never below zero')
    const granted = racing.filter((o) => o.status === 'fulfilled').length
    t.equal(granted, 4, 'four requests got money')
    t.equal(m.reserved, 3 * 235898 + (NOMINAL - 3 * 235898), 'three full parts and the remainder: the whole nominal')
    t.equal(m.balance, 0)
    const refusedCodes = racing.filter((o) => o.status === 'rejected').map((o) => ((o as PromiseRejectedResult).reason as DomainError).code)
    t.same(refusedCodes, ['no_certificate_funds'], 'the fifth is told there is no money left')
  },
)
