import t from 'tap'
import { Application } from '../../src/app/context.ts'
import { requestContract } from '../../src/app/contracts.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { onServer, testDatabase } from '../helpers/database.ts'
import { figures, violations, wholeLog } from '../helpers/invariants.ts'
import { activeCertificate, callerCtx, smallWorld } from '../helpers/world.ts'

// Issue 13 §5: a retry always gets the first result, even sent to two servers at once; a refusal does not consume
// its key; a refused request leaves no trace.

const keyed = (key: string) => {
  const c = callerCtx('operator')
  return { ...c, metadata: { ...c.metadata, idempotencyKey: key } }
}
const outcomeOf = async (p: Promise<unknown>) => {
  try {
    return { ok: await p }
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) }
  }
}

t.test(
  'the same key and body sent to two servers at once: every retry gets the first result',
  { skip: onServer ? false : 'two servers need a database server' },
  async (t) => {
    const db = await testDatabase(t)
    // Two servers: two applications, each with its own caches and group commit, on one database.
    const a = new Application(new PostgresEventStore(db.sql))
    const b = new Application(new PostgresEventStore(db.sql))
    await smallWorld(a, { groups: 1, capacity: 100 })
    const certificates = []
    for (let i = 1; i <= 30; i++) certificates.push((await activeCertificate(a, i)).number)
    const outcomes = await Promise.all(
      certificates.flatMap((number) => {
        const body = { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' }
        return [a, b, a, b].map((app) => outcomeOf(requestContract(app, keyed(`request-${number}`), body)))
      }),
    )
    const failed = outcomes.filter((o) => 'error' in o)
    t.same(failed, [], 'no retry was refused')
    const log = await wholeLog(a.store)
    t.equal(log.filter((e) => e.type === 'ContractRequested').length, 30, 'one contract per key')
    for (let i = 0; i < outcomes.length; i += 4) {
      const ids = outcomes.slice(i, i + 4).map((o) => ('ok' in o ? (o.ok as { contractId: string }).contractId : null))
      if (new Set(ids).size !== 1) t.fail(`one key, several results: ${ids.join(', ')}`)
    }
    t.same(violations(log), [])
    t.equal(figures(log).contracts.size, 30)
  },
)

t.test("the same step queued twice on a stream (a retry while the request still runs) gets the first one's result", async (t) => {
  const db = await testDatabase(t)
  const app = new Application(new PostgresEventStore(db.sql))
  await smallWorld(app, { capacity: 5 })
  const { groupDecider } = await import('../../src/domain/group.ts')
  const stream = 'group-robotics-1'
  const meta = callerCtx('operator').metadata
  const take = (stepId: string, contractId: string, certificateNumber: string) =>
    app.aggregates.runStep(groupDecider, stream, stepId, { type: 'TakeGroupPlace', contractId, certificateNumber, on: '2024-10-01' }, meta)
  // The first runs alone; the two that queue behind it are decided together and appended at once.
  const [, first, retry] = await Promise.all([
    take('other:place', '00000000-0000-4000-8000-0000000000c0', 'Q000000000'),
    take('c1:place', '00000000-0000-4000-8000-0000000000c1', 'Q000000001'),
    take('c1:place', '00000000-0000-4000-8000-0000000000c1', 'Q000000001'),
  ])
  t.equal(first.events.length, 1, 'the first took the place')
  t.same(retry.events, first.events, 'the retry answers with the same event, not with "nothing to do"')
  t.equal(retry.alreadyDone, true)
  t.equal((await app.store.readStream(stream)).filter((e) => e.type === 'GroupPlaceTaken').length, 2, 'two places taken, not three')
})

t.test('a refusal does not consume its key and leaves no trace of the request', async (t) => {
  const db = await testDatabase(t)
  const app = new Application(new PostgresEventStore(db.sql))
  await smallWorld(app, { groups: 2 })
  const { number } = await activeCertificate(app, 1)
  // An accounting certificate has no money: a financing contract on it is refused with no_certificate_funds.
  const { changeCertificateType } = await import('../../src/app/certificates.ts')
  await changeCertificateType(app, keyed('to-accounting'), { certificateNumber: number, to: 'accounting', periodId: '2024', on: '2024-09-20' })
  const before = (await wholeLog(app.store)).filter((e) => !e.streamId.startsWith('idempotency-')).length
  const body = { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' }
  const refused = await outcomeOf(requestContract(app, keyed('k-1'), body))
  t.same(refused, { error: 'no_certificate_funds' }, 'an accounting certificate has nothing to reserve')
  const keyEvents = (await wholeLog(app.store)).length
  t.same(await outcomeOf(requestContract(app, keyed('k-1'), body)), refused, 'the same body again: the same refusal')
  t.equal((await wholeLog(app.store)).length, keyEvents, "answered from the key's record, nothing run or written")
  const after = (await wholeLog(app.store)).filter((e) => !e.streamId.startsWith('idempotency-'))
  t.equal(after.length, before, 'the refused request took no place and wrote nothing (GroupPlaceTaken + Released no more)')
  // The corrected request, under the same key: the parent pays everything.
  const corrected = await outcomeOf(requestContract(app, keyed('k-1'), { ...body, parentPaysAll: true }))
  t.ok('ok' in corrected, `the corrected body goes through under the same key: ${JSON.stringify(corrected)}`)
  const again = await outcomeOf(requestContract(app, keyed('k-1'), { ...body, parentPaysAll: true }))
  t.same(again, corrected, 'and its retry answers with its result')
  const other = await outcomeOf(requestContract(app, keyed('k-1'), { ...body, groupId: 'robotics-2' }))
  t.same(other, { error: 'idempotency_key_reused' }, 'a key that took effect stays bound to its body')
})
