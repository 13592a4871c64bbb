import t from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { ledgerPostings } from '../../projections/ledger-postings/index.ts'
import { dumpGeneration } from '../../projections/postgres.ts'
import { ProjectionReader } from '../../projections/read.ts'
import { activeSchema, installProjections, ProjectionRunner, projectionStatus, rebuildProjections } from '../../projections/runner.ts'
import type { Projection } from '../../projections/types.ts'
import { buildServer } from '../../src/api/server.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { closeMonth } from '../../src/app/month-close.ts'
import { verifyLedger } from '../../src/audit/verify.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { activeCertificate, ctx, MUNICIPALITY, smallWorld } from '../helpers/world.ts'

// Issue 13 §1: a poison pill — an event already in the log that a read model cannot store — must not stop the read
// models for good, nor go unreported.

async function world(t: Parameters<typeof testDatabase>[0]) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  const reader = new ProjectionReader(db.sql, store)
  await smallWorld(ledger)
  const { number } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(ledger, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  const oct = await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, (m) => reader.contracts.openIds(m))
  return { db, store, ledger, oct, number }
}

t.test('an event its schema refuses, already in the log, is left out by every read model alike and named', async (t) => {
  const { db, store, ledger, oct, number } = await world(t)
  // The probe's payment of 0000-01-01, written when the schemas let it through: PostgreSQL's date type has no year 0.
  const invoiceId = oct.finalInvoices[0]!
  const version = (await store.streamVersion(`invoice-${invoiceId}`))!
  await store.append(
    `invoice-${invoiceId}`,
    [
      {
        eventId: '00000000-0000-4000-8000-0000000000f1',
        type: 'PaymentRecorded',
        schemaVersion: 1,
        data: {
          invoiceId,
          kind: 'final',
          payerId: 'payer-1',
          providerId: 'prov-1',
          month: '2024-10',
          paymentId: 'poison',
          amount: 1,
          paidOn: '0000-01-01',
          paymentOrder: 'PO-1',
          overdue: false,
        },
        metadata: { actor: 'payer:probe', correlationId: 'probe' },
      },
    ],
    { expectedVersion: version },
  )
  // …and an ordinary event after it, which every read model must still reach.
  const later = await activeCertificate(ledger, 2)

  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS)
  await runner.catchUp()
  const reader = new ProjectionReader(db.sql, store)
  t.ok(await reader.certificates.view(later.number), 'the read models went past the poison pill')
  const last = (await store.readAll({ limit: 100_000, end: await store.committedEnd() })).events.at(-1)!
  const status = await projectionStatus(db.sql, store, PROJECTIONS)
  for (const s of status) {
    t.equal(s.lag, 0, `${s.name} is current`)
    t.equal(s.stopped, null, `${s.name} is not stopped`)
    t.equal(s.checkpoint.globalPosition, last.globalPosition, `${s.name} reached the last event`)
  }
  t.equal(status.find((s) => s.name === 'provider-invoices')!.skipped, 1, 'provider-invoices left it out and says so')
  const payments = await db.sql`SELECT payment_id FROM reporting.provider_payments WHERE payment_id = 'poison'`
  t.equal(payments.length, 0, 'and stored none of it')

  const report = await verifyLedger(db.sql, store)
  t.equal(report.ok, false, 'verify does not say everything holds')
  t.ok(
    report.problems.some((p) => p.check === 'schema' && p.eventId === '00000000-0000-4000-8000-0000000000f1'),
    'verify names the event',
  )
  t.notOk(
    report.problems.some((p) => p.check === 'projection'),
    'and the read models equal a replay that leaves it out too',
  )

  // A rebuild goes past it the same way, and ends with the same tables.
  const before: Record<string, unknown> = {}
  for (const p of PROJECTIONS) before[p.name] = await dumpGeneration(db.sql, p, (await activeSchema(db.sql, p.name)).schema)
  await rebuildProjections(db.sql, store, PROJECTIONS)
  for (const p of PROJECTIONS)
    t.same(await dumpGeneration(db.sql, p, (await activeSchema(db.sql, p.name)).schema), before[p.name], `${p.name}: rebuilt equals live`)
  t.ok(number)
})

t.test('an event a projection cannot apply stops only that projection, reported everywhere, retried with a growing delay', async (t) => {
  const { db, store, ledger } = await world(t)
  // A read model with a bug: it cannot apply certificate issuances while `broken` is set.
  let broken = true
  const fragile: Projection = {
    ...ledgerPostings,
    name: 'fragile',
    apply(rows, e) {
      if (broken && e.type === 'CertificateIssued') throw new Error('cannot apply an issuance')
      ledgerPostings.apply(rows, e)
    },
  }
  await installProjections(db.sql, [fragile])
  const errors: string[] = []
  const runner = new ProjectionRunner(db.sql, store, [...PROJECTIONS, fragile], { idleMs: 10 })
  runner.start((error) => errors.push((error as Error).message))
  t.teardown(() => runner.stop())
  const app = await buildServer({ db, store, ledger })
  t.teardown(() => app.close())

  const waitFor = async (what: string, ok: () => Promise<boolean>) => {
    for (let i = 0; i < 600; i++) {
      if (await ok()) return true
      await new Promise((r) => setTimeout(r, 50))
    }
    t.fail(`timed out waiting for ${what}`)
    return false
  }
  await waitFor('the failure to be recorded', async () => (await db.sql`SELECT 1 FROM projections.failures WHERE name = 'fragile'`).length > 0)
  const ready = await app.inject({ url: '/ready' })
  t.equal(ready.statusCode, 503, '/ready is not ready')
  t.equal(ready.json().code, 'projection_stopped')
  t.match(
    ready.json().detail,
    /projection fragile stopped at event \d+ \(CertificateIssued [0-9a-f-]{36} of certificate-T000000001\): cannot apply an issuance/,
  )
  const status = await projectionStatus(db.sql, store, [...PROJECTIONS, fragile])
  t.match(status.find((s) => s.name === 'fragile')!.stopped, { eventType: 'CertificateIssued', error: 'cannot apply an issuance' }, 'status shows it')
  for (const s of status.filter((x) => x.name !== 'fragile')) t.equal(s.lag, 0, `${s.name} went on`)
  const report = await verifyLedger(db.sql, store, { skipProjections: true })
  t.ok(
    report.problems.some((p) => p.check === 'projection' && /projection fragile stopped/.test(p.detail)),
    'verify names it',
  )

  // Over a second the runner tried a few times at most, not every poll.
  const seen = errors.length
  await new Promise((r) => setTimeout(r, 1000))
  t.ok(errors.length - seen <= 2, `a growing delay between tries (${errors.length - seen} in a second, polling every 10 ms)`)

  broken = false
  await waitFor('the projection to recover', async () => (await db.sql`SELECT 1 FROM projections.failures`).length === 0)
  t.equal((await app.inject({ url: '/ready' })).statusCode, 200, 'ready again once it applies')
})
