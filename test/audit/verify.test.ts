import t from 'tap'
import { activeSchema } from '../../projections/runner.ts'
import { Application } from '../../src/app/context.ts'
import { verifyLedger } from '../../src/audit/verify.ts'
import { openDatabase } from '../../src/db/database.ts'
import { prepareDatabase } from '../../src/db/setup.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { runCli } from '../helpers/cli.ts'
import { createServerDatabase, onServer } from '../helpers/database.ts'
import { paidOctober } from '../helpers/paid-october.ts'
import { activeCertificate, smallWorld } from '../helpers/world.ts'

// A month of a small municipality, projected; then the ledger is tampered with behind its back in the ways an
// operator with superuser rights could, and verify must name each one.
const history = paidOctober

const behindTheTrigger = (db: Awaited<ReturnType<typeof history>>['db'], statement: string, ...params: string[]) =>
  db.sql.begin(async (tx) => {
    await tx`ALTER TABLE ledger.events DISABLE TRIGGER events_refuse_update_delete`
    await tx.unsafe(statement, params)
    await tx`ALTER TABLE ledger.events ENABLE TRIGGER events_refuse_update_delete`
  })

t.test('a clean history verifies, with counts', async (t) => {
  const { db, store } = await history(t)
  const report = await verifyLedger(db.sql, store)
  t.equal(report.ok, true, JSON.stringify(report.firstProblem))
  const [{ events, streams }] = (await db.sql<{ events: number; streams: number }[]>`
    SELECT count(*)::int AS events, count(DISTINCT stream_id)::int AS streams FROM ledger.events`) as unknown as [{ events: number; streams: number }]
  t.same([report.events, report.streams], [events, streams], 'every event of every stream read')
  for (const check of ['chain', 'schema', 'money', 'invoice', 'postings', 'projection']) t.ok(report.checks[check]!.checked > 0, `${check} checked`)
})

t.test('an event altered with the trigger disabled is named', async (t) => {
  const { db, store, number } = await history(t)
  const [victim] = await db.sql<{ event_id: string; stream_id: string; stream_position: string }[]>`
    SELECT event_id, stream_id, stream_position FROM ledger.events WHERE type = 'NominalCredited' AND stream_id = ${`certificate-${number}`}`
  await behindTheTrigger(db, `UPDATE ledger.events SET data = jsonb_set(data, '{amount}', '9999999') WHERE event_id = $1`, victim!.event_id)
  const report = await verifyLedger(db.sql, store, { skipProjections: true })
  t.equal(report.ok, false)
  t.match(report.firstProblem, {
    check: 'chain',
    streamId: victim!.stream_id,
    streamPosition: Number(victim!.stream_position),
    eventId: victim!.event_id,
    detail: /altered/,
  })
})

t.test('a deleted event is named by the gap it leaves', async (t) => {
  const { db, store, contractId } = await history(t)
  const [victim] = await db.sql<
    { event_id: string }[]
  >`SELECT event_id FROM ledger.events WHERE stream_id = ${`contract-${contractId}`} AND stream_position = 1`
  await behindTheTrigger(db, 'DELETE FROM ledger.events WHERE event_id = $1', victim!.event_id)
  const report = await verifyLedger(db.sql, store, { skipProjections: true })
  t.match(report.firstProblem, {
    check: 'chain',
    streamId: `contract-${contractId}`,
    streamPosition: 2,
    expected: 'position 1',
    found: 'position 2',
    detail: /missing/,
  })
})

t.test('a projection row edited by hand is named', async (t) => {
  const { db, store, number } = await history(t)
  const { schema } = await activeSchema(db.sql, 'certificate-balances')
  await db.sql.unsafe(`UPDATE ${schema}.certificate_balances SET balance = balance + 100000 WHERE certificate_number = $1`, [number])
  const report = await verifyLedger(db.sql, store)
  t.equal(report.ok, false)
  t.match(report.firstProblem, { check: 'projection', detail: new RegExp(`certificate-balances.certificate_balances row ${number}\\|2024 differs`) })
})

t.test(
  'ledger verify: exit 0 and counts, --json, exit 1 naming the first disagreement',
  { skip: onServer ? false : 'runs the CLI against a database the test also holds: needs a server' },
  async (t) => {
    const url = await createServerDatabase(t)
    const db = await openDatabase({ databaseUrl: url, poolSize: 3 })
    t.teardown(() => db.close())
    await prepareDatabase(db.sql)
    const app = new Application(new PostgresEventStore(db.sql))
    await smallWorld(app)
    const { number } = await activeCertificate(app, 1)
    const clean = await runCli(['verify'], { DATABASE_URL: url })
    t.equal(clean.code, 0, clean.stdout + clean.stderr)
    t.match(clean.stdout, /everything holds/)
    const json = await runCli(['verify', '--json'], { DATABASE_URL: url })
    t.match(JSON.parse(json.stdout), { ok: true, firstProblem: null })
    const [victim] = await db.sql<
      { event_id: string }[]
    >`SELECT event_id FROM ledger.events WHERE stream_id = ${`certificate-${number}`} AND stream_position = 0`
    await db.sql.begin(async (tx) => {
      await tx`ALTER TABLE ledger.events DISABLE TRIGGER events_refuse_update_delete`
      await tx`UPDATE ledger.events SET data = jsonb_set(data, '{birthDate}', '"2010-01-01"') WHERE event_id = ${victim!.event_id}`
      await tx`ALTER TABLE ledger.events ENABLE TRIGGER events_refuse_update_delete`
    })
    const tampered = await runCli(['verify'], { DATABASE_URL: url })
    t.equal(tampered.code, 1)
    t.match(tampered.stdout, new RegExp(`FIRST DISAGREEMENT \\(chain\\) at certificate-${number} position 0 \\(event ${victim!.event_id}`))
  },
)

t.test('money forged with a valid chain is named by the rule it breaks', async (t) => {
  // Appended through the store (so each chain is valid), as someone with write access to the log could.
  const forge = async (store: PostgresEventStore, streamId: string, type: string, schemaVersion: number, data: Record<string, unknown>) => {
    const version = await store.streamVersion(streamId)
    await store.append(streamId, [{ eventId: crypto.randomUUID(), type, schemaVersion, data, metadata: { actor: 'forger', correlationId: 'forged' } }], {
      expectedVersion: version ?? 'no_stream',
    })
  }
  const cases: [string, (h: Awaited<ReturnType<typeof history>>) => Promise<void>, RegExp][] = [
    [
      'a nominal of 1 000 000.00 credited',
      (h) =>
        forge(h.store, `certificate-${h.number}`, 'NominalCredited', 1, {
          certificateNumber: h.number,
          periodId: '2024',
          amount: 100_000_000,
          creditedOn: '2024-12-01',
        }),
      /nominal credited for period 2024 is not that period's nominal/,
    ],
    [
      'a second nominal of the right amount',
      (h) =>
        forge(h.store, `certificate-${h.number}`, 'NominalCredited', 1, {
          certificateNumber: h.number,
          periodId: '2024',
          amount: 776000,
          creditedOn: '2024-12-01',
        }),
      /while it holds one/,
    ],
    [
      'a write-off above the schedule',
      (h) =>
        forge(h.store, `certificate-${h.number}`, 'CertificateFundsWrittenOff', 2, {
          certificateNumber: h.number,
          periodId: '2024',
          contractId: h.contractId,
          month: '2024-11',
          amount: 100000,
          effectiveOn: '2024-11-01',
        }),
      /write-off of 2024-11 .* is not the contract's schedule/,
    ],
    [
      'a refund of no shortfall',
      (h) =>
        forge(h.store, `certificate-${h.number}`, 'ShortfallRefunded', 2, {
          certificateNumber: h.number,
          periodId: '2024',
          contractId: h.contractId,
          month: '2024-10',
          invoiceId: 'final-nowhere',
          correctionId: null,
          amount: 5000,
          refundedOn: '2024-11-05',
        }),
      /is not the shortfall of invoice final-nowhere/,
    ],
  ]
  for (const [what, tamper, named] of cases) {
    const h = await history(t)
    t.equal((await verifyLedger(h.db.sql, h.store, { skipProjections: true })).ok, true, `${what}: clean before`)
    await tamper(h)
    const report = await verifyLedger(h.db.sql, h.store, { skipProjections: true })
    t.equal(report.ok, false, `${what}: verify does not hold`)
    t.ok(
      report.problems.some((p) => p.check === 'money' && named.test(p.detail)),
      `${what}: named (${report.problems.map((p) => p.detail).join('; ')})`,
    )
  }
})
