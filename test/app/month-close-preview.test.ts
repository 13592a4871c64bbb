import t from 'tap'
import { ProjectionReader } from '../../projections/read.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { closeMonth } from '../../src/app/month-close.ts'
import { previewMonthClose } from '../../src/app/month-close-preview.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { activeCertificate, ctx, MUNICIPALITY, smallWorld } from '../helpers/world.ts'

// The workspace's preview of a close runs the close's own code on a scratch store: it must write nothing, and say
// exactly what the close then records.

t.test('a close previewed writes nothing and shows what the close then records', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  const reader = new ProjectionReader(db.sql, store)
  await smallWorld(app)
  const { number } = await activeCertificate(app, 1)
  const c = await requestContract(app, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(app, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  const { number: second } = await activeCertificate(app, 2)
  // A request nobody answers: the close of November (two months on) expires it.
  await requestContract(app, ctx(), { certificateNumber: second, groupId: 'robotics-1', requestedOn: '2024-09-20', startDate: '2024-10-01' })
  const count = async () => Number((await db.sql`SELECT count(*) AS n FROM ledger.events`)[0]!.n)
  const input = { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }
  const list = (m: string) => reader.contracts.openIds(m)

  const before = await count()
  const preview = await previewMonthClose(store, ctx(), input, list)
  t.equal(await count(), before, 'the preview appended nothing')
  // No attendance: 100 % of October from the 15th, 435.95; November's advance 80 % of 776.55 = 621.24.
  t.same(
    preview.finalInvoices.map((i) => [i.providerId, i.total, i.advanceDeducted, i.amountDue]),
    [['prov-1', 43595, 0, 43595]],
  )
  t.same(
    preview.advanceInvoices.map((i) => [i.month, i.total]),
    [['2024-11', 62124]],
  )
  t.equal(preview.outcome.alreadyClosed, false)

  const closed = await closeMonth(app, ctx(), input, list)
  t.same(closed.finalInvoices, preview.outcome.finalInvoices, 'the close issues the invoices the preview showed')
  t.same(closed.advanceInvoices, preview.outcome.advanceInvoices)
  t.equal(closed.contractsWrittenOff, preview.outcome.contractsWrittenOff)
  t.equal(closed.requestsExpired, preview.outcome.requestsExpired)
  t.equal(
    (await count()) - before,
    Object.values(preview.eventCounts).reduce((a, b) => a + b, 0),
    'as many events as the preview counted',
  )

  const again = await previewMonthClose(store, ctx(), input, list)
  t.equal(again.outcome.alreadyClosed, true, 'a closed month previews as closed')
  const november = await previewMonthClose(store, ctx(), { municipality: MUNICIPALITY, month: '2024-11', closedOn: '2024-12-01' }, list)
  t.equal(november.expiredRequests.length, 1, 'the request unanswered for two months would expire')
  t.equal(november.expiredRequests[0]!.certificateNumber, second)
})
