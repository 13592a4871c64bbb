import t from 'tap'
import { changeCertificateType, creditNominal, freezeCertificate } from '../../src/app/certificates.ts'
import { Application } from '../../src/app/context.ts'
import { requestContract } from '../../src/app/contracts.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { MemoryEventStore } from '../../src/store/memory/memory-event-store.ts'
import { figures, violations, wholeLog } from '../helpers/invariants.ts'
import { activeCertificate, certificateNo, ctx, MUNICIPALITY, PERIOD, smallWorld } from '../helpers/world.ts'

// Lifecycle commands that span the certificate's and the municipality's streams: retries, resumption after a
// crash, the queue around a freeze. In memory: these are about the processes, not the database.

const refusal = async (p: Promise<unknown>) => {
  try {
    await p
    return null
  } catch (error) {
    if (error instanceof DomainError) return error.code
    throw error
  }
}

async function world(cap: number, faults?: (p: string) => void) {
  const store = new MemoryEventStore()
  const app = new Application(store, faults)
  await smallWorld(app, { cap })
  const places = async () => [...(figures(await wholeLog(store)).financingPlaces.get(`${MUNICIPALITY}|${PERIOD}`) ?? [])].sort()
  const balance = async (n: string) => figures(await wholeLog(store)).money.get(`${n}|${PERIOD}`)?.balance ?? 0
  return { store, app, places, balance }
}

t.test('a refused command retried with its key is checked again and takes nothing', async (t) => {
  const { app, places } = await world(5)
  const { number } = await activeCertificate(app, 1, 'accounting')
  for (let i = 0; i < 2; i++) {
    t.equal(
      await refusal(creditNominal(app, ctx('credit-1'), { certificateNumber: number, periodId: PERIOD, on: '2024-10-01' })),
      'certificate_not_financing',
      `attempt ${i + 1} refused`,
    )
  }
  t.same(await places(), [], 'no financing place was taken')
})

t.test('financing, accounting, financing again in one period: the nominal comes back', async (t) => {
  const { app, balance } = await world(5)
  const { number } = await activeCertificate(app, 1)
  await changeCertificateType(app, ctx(), { certificateNumber: number, to: 'accounting', periodId: PERIOD, on: '2024-10-01' })
  t.equal(await balance(number), 0)
  await changeCertificateType(app, ctx(), { certificateNumber: number, to: 'financing', periodId: PERIOD, on: '2024-11-01' })
  t.equal(await balance(number), 776000, 'credited again, since the first nominal was withdrawn')
})

t.test('a freeze sent with a key refuses the pending requests and completes', async (t) => {
  const { app, store } = await world(5)
  const { number } = await activeCertificate(app, 1)
  const pending = await requestContract(app, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await freezeCertificate(app, ctx('freeze-1'), { certificateNumber: number, periodId: PERIOD, on: '2024-10-05' })
  const f = figures(await wholeLog(store))
  t.equal(f.contracts.get(pending.contractId)!.status, 'refused')
  t.equal(f.money.get(`${number}|${PERIOD}`)!.balance, 0)
  t.same(violations(await wholeLog(store)), [])
})

t.test('a frozen certificate leaves the queue; the freed place goes to the next one', async (t) => {
  const { app, places } = await world(1)
  await activeCertificate(app, 1)
  const b = await activeCertificate(app, 2)
  const c = await activeCertificate(app, 3)
  t.same([b.issued.queuePosition, c.issued.queuePosition], [1, 2])
  await freezeCertificate(app, ctx(), { certificateNumber: b.number, periodId: PERIOD, on: '2024-10-01' })
  await changeCertificateType(app, ctx(), { certificateNumber: certificateNo(1), to: 'accounting', periodId: PERIOD, on: '2024-10-02' })
  t.same(await places(), [c.number], 'the third, not the frozen second, got the place')
})

t.test('a type change interrupted after its first step is finished by sending it again with its key', async (t) => {
  let crash = true
  const { app, store, places, balance } = await world(1, (p) => {
    if (p === 'change-type:accounting' && crash) throw new Error('simulated crash')
  })
  const a = await activeCertificate(app, 1)
  const b = await activeCertificate(app, 2)
  await t.rejects(
    changeCertificateType(app, ctx('to-accounting'), { certificateNumber: a.number, to: 'accounting', periodId: PERIOD, on: '2024-10-01' }),
    /simulated crash/,
  )
  t.same(await places(), [a.number], 'half-way: the place is still held')
  crash = false
  await changeCertificateType(new Application(store), ctx('to-accounting'), {
    certificateNumber: a.number,
    to: 'accounting',
    periodId: PERIOD,
    on: '2024-10-01',
  })
  t.same(await places(), [b.number], 'finished: the place went to the queue')
  t.equal(await balance(b.number), 776000)
  t.same(violations(await wholeLog(store)), [])
})
