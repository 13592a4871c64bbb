import type { Test } from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionReader } from '../../projections/read.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, recordAttendance, requestContract } from '../../src/app/contracts.ts'
import { closeMonth } from '../../src/app/month-close.ts'
import { recordPayment } from '../../src/app/payments.ts'
import { openFinancingPeriod } from '../../src/app/registry.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from './database.ts'
import { activeCertificate, ctx, MUNICIPALITY, smallWorld } from './world.ts'

/**
 * A small municipality's October on a database of its own: one contract accepted, six of eight lessons attended (two
 * cancelled by the provider), the month closed and its final invoice paid; every projection caught up. The history
 * the audit's tamper tests edit behind the ledger's back.
 */
export async function paidOctober(t: Test) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  const reader = new ProjectionReader(db.sql, store)
  await smallWorld(app)
  const { number } = await activeCertificate(app, 1)
  const c = await requestContract(app, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(app, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  await recordAttendance(app, ctx(), {
    contractId: c.contractId,
    month: '2024-10',
    lessonsPlanned: 8,
    lessonsCancelledByProvider: 2,
    lessonsAttended: 6,
    providerCompletenessBp: null,
    recordedOn: '2024-10-31',
  })
  const oct = await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, (m) => reader.contracts.openIds(m))
  await recordPayment(app, ctx(), { invoiceId: oct.finalInvoices[0]!, amount: 32696, paidOn: '2024-11-05', paymentOrder: '1' })
  await new ProjectionRunner(db.sql, store, PROJECTIONS).catchUp()
  return { db, store, number, contractId: c.contractId }
}

/**
 * A small municipality's October closed (one contract accepted) beside another municipality's period, whose events
 * interleave with it in the log: what an export of the first must leave out. Not projected.
 */
export async function closedOctoberBesideAnother(t: Test) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  const reader = new ProjectionReader(db.sql, store)
  await smallWorld(app)
  await openFinancingPeriod(app, ctx(), {
    municipality: 'elsewhere',
    periodId: '2024',
    startDate: '2024-09-01',
    endDate: '2025-08-31',
    nominal: 500000,
    financingCap: 5,
    nominalLimit: null,
    payerId: 'payer-9',
  })
  const { number } = await activeCertificate(app, 1)
  const c = await requestContract(app, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(app, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  await closeMonth(app, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, (m) => reader.contracts.openIds(m))
  return { db, store, app, number, contractId: c.contractId }
}
