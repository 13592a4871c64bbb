import t from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { dumpGeneration } from '../../projections/postgres.ts'
import { type CertificateView, ProjectionReader } from '../../projections/read.ts'
import { activeSchema, ProjectionRunner, rebuildProjection, rebuildProjections } from '../../projections/runner.ts'
import { changeCertificateType } from '../../src/app/certificates.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, refuseContract, requestContract, terminateContract } from '../../src/app/contracts.ts'
import { openGroup, recordPopulation, registerProgramme } from '../../src/app/registry.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { activeCertificate, ctx, MUNICIPALITY, PERIOD, smallWorld } from '../helpers/world.ts'

// A generated history of thousands of events, projected live in small batches while it is written. Then:
// a rebuild from the first event equals the live tables row for row; as-of answers equal the live answers taken
// at those positions; coverage counts each child once, checked against a count made here from the commands.

function random(seed: number) {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

t.test('a generated history: rebuild equals live, as-of equals the live answer then, coverage counts children once', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  const reader = new ProjectionReader(db.sql, store)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS, { batchSize: 97 })
  await smallWorld(app, { cap: 150, capacity: 60, groups: 5 })
  await registerProgramme(app, ctx(), { programmeId: 'dance', providerId: 'prov-1', title: 'Танцы', direction: 'artistic', kind: 'budget' })
  await openGroup(app, ctx(), {
    groupId: 'dance-1',
    programmeId: 'dance',
    startDate: '2024-09-01',
    endDate: '2025-05-31',
    price: 0,
    normativeCost: 0,
    capacity: 120,
  })
  await recordPopulation(app, ctx(), { municipality: MUNICIPALITY, year: 2024, children5to18: 800 })
  const rnd = random(20241015)
  const groups = ['robotics-1', 'robotics-2', 'robotics-3', 'robotics-4', 'robotics-5', 'choir-1', 'dance-1']
  const direction: Record<string, string> = { 'choir-1': 'artistic', 'dance-1': 'artistic' }
  const made: { contractId: string; certificate: string; group: string; start: string; end: string; status: string }[] = []
  const snapshots: { position: bigint; views: CertificateView[] }[] = []
  const numbers: string[] = []

  for (let chunk = 0; chunk < 8; chunk++) {
    for (let i = chunk * 25 + 1; i <= chunk * 25 + 25; i++) {
      const { number } = await activeCertificate(app, i, rnd() < 0.8 ? 'financing' : 'accounting')
      numbers.push(number)
      const wanted = new Set(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => groups[Math.floor(rnd() * groups.length)]!))
      for (const group of wanted) {
        const startDay = 1 + Math.floor(rnd() * 27)
        const month = ['2024-10', '2024-11', '2024-12'][Math.floor(rnd() * 3)]!
        const start = `${month}-${String(startDay).padStart(2, '0')}`
        try {
          const c = await requestContract(app, ctx(), { certificateNumber: number, groupId: group, requestedOn: `${month}-01`, startDate: start })
          const entry = { contractId: c.contractId, certificate: number, group, start, end: '2025-05-31', status: 'requested' }
          made.push(entry)
          const fate = rnd()
          if (fate < 0.15) {
            await refuseContract(app, ctx(), { contractId: c.contractId, refusedOn: `${month}-02`, by: 'provider', reason: 'no place after all' })
            entry.status = 'refused'
          } else if (fate < 0.9) {
            await acceptContract(app, ctx(), { contractId: c.contractId, acceptedOn: `${month}-02` })
            entry.status = 'accepted'
            if (rnd() < 0.2) {
              await terminateContract(app, ctx(), { contractId: c.contractId, terminatedOn: '2025-02-10', by: 'parent', reason: 'moved away' })
              entry.status = 'terminated'
              entry.end = '2025-02-28'
            }
          }
        } catch (error) {
          if (!(error instanceof DomainError)) throw error // a full group, no money left: part of life
        }
      }
      if (rnd() < 0.05) {
        try {
          await changeCertificateType(app, ctx(), { certificateNumber: number, to: 'accounting', periodId: PERIOD, on: '2024-12-15' })
        } catch (error) {
          if (!(error instanceof DomainError)) throw error
        }
      }
    }
    await runner.catchUp()
    const max = (await db.sql<{ max: string }[]>`SELECT max(global_position)::text AS max FROM ledger.events`)[0]!.max
    const sample = [numbers[0]!, numbers[numbers.length - 1]!, numbers[Math.floor(numbers.length / 2)]!]
    snapshots.push({ position: BigInt(max), views: (await Promise.all(sample.map((n) => reader.certificates.view(n)))) as CertificateView[] })
  }
  const count = (await db.sql<{ count: number }[]>`SELECT count(*)::int AS count FROM ledger.events`)[0]!.count
  t.ok(count > 2000, `a history of thousands of events (${count})`)

  const dump = async () => {
    const out: Record<string, unknown> = {}
    for (const p of PROJECTIONS) out[p.name] = await dumpGeneration(db.sql, p, (await activeSchema(db.sql, p.name)).schema)
    return out
  }
  const live = await dump()
  for (const p of PROJECTIONS) await rebuildProjection(db.sql, store, p, { batchSize: 1000 })
  t.same(await dump(), live, 'the rebuilt read models equal the live ones, row for row')
  // All together in one pass, with so little memory that each goes on reading its rows back after a few batches.
  await rebuildProjections(db.sql, store, PROJECTIONS, { batchSize: 300, maxKeptRows: 200 })
  t.same(await dump(), live, 'rebuilt in one pass, rows read back once memory is full: equal again')

  for (const s of snapshots) {
    for (const view of s.views) {
      const asOf = await reader.certificates.asOf(view.certificateNumber, { on: null, known: { position: s.position } })
      t.same(asOf.view, view, `certificate ${view.certificateNumber} at position ${s.position}: as-of equals the live answer then`)
    }
  }

  // Coverage on 2024-12-31 and on 2025-03-15, counted here from what the commands did.
  for (const day of ['2024-12-31', '2025-03-15']) {
    const attending = made.filter((m) => ['accepted', 'terminated'].includes(m.status) && m.start <= day && m.end >= day)
    const children = new Set(attending.map((m) => m.certificate))
    const byDirection = new Map<string, Set<string>>()
    for (const m of attending) {
      const d = direction[m.group] ?? 'technical'
      byDirection.set(d, (byDirection.get(d) ?? new Set()).add(m.certificate))
    }
    const answer = await reader.coverage.on(MUNICIPALITY, day)
    t.equal(answer.childrenEnrolled, children.size, `${day}: each child once`)
    t.ok(attending.length > children.size, `${day}: some children attend several groups (${attending.length} enrolments)`)
    t.same(
      answer.byDirection.map((d) => [d.key, d.children]),
      [...byDirection.entries()].map(([k, v]) => [k, v.size]).sort(),
      `${day}: once per direction`,
    )
    t.equal(answer.coverageShare, (Math.round((children.size / 800) * 10000) / 10000).toFixed(4), `${day}: share of the 800 children`)
    t.equal(answer.certificates.issued, 200)
    t.equal(answer.certificates.targetShare, '0.50', 'the 2021 target applies after 2021')
    t.equal(answer.certificates.targetFinancingShare, '0.30')
  }
})
