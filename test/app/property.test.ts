import fc from 'fast-check'
import t from 'tap'
import { activateCertificate, changeCertificateType, freezeCertificate, issueCertificate } from '../../src/app/certificates.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, closeContract, refuseContract, requestContract, terminateContract } from '../../src/app/contracts.ts'
import { streams } from '../../src/app/streams.ts'
import { balanceOf, certificateDecider } from '../../src/domain/certificate.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { MemoryEventStore } from '../../src/store/memory/memory-event-store.ts'
import { figures, violations, wholeLog } from '../helpers/invariants.ts'
import { ctx, MUNICIPALITY, PERIOD, smallWorld } from '../helpers/world.ts'

// Random sequences of the registry's and the parents' commands, run through the application layer on an
// in-memory store. Whatever the sequence, every certificate keeps balance = nominal − reserved − spent ≥ 0 in
// every period, no group is overbooked, and every contract's schedule adds up to its certificate part.

const cert = fc.integer({ min: 1, max: 6 }).map((i) => `P${String(i).padStart(9, '0')}`)
const group = fc.constantFrom('robotics-1', 'robotics-2', 'choir-1')
const month = fc.integer({ min: 0, max: 8 }).map((m) => ['2024-09', '2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05'][m]!)
const day = fc.integer({ min: 1, max: 28 }).map((d) => String(d).padStart(2, '0'))

const command = fc.oneof(
  fc.record({ kind: fc.constant('issue' as const), cert, type: fc.constantFrom('financing' as const, 'accounting' as const) }),
  fc.record({ kind: fc.constant('activate' as const), cert }),
  { arbitrary: fc.record({ kind: fc.constant('request' as const), cert, group, month, day, parentPaysAll: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('accept' as const), pick: fc.nat() }), weight: 2 },
  fc.record({ kind: fc.constant('refuse' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('terminate' as const), pick: fc.nat(), month }),
  fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('changeType' as const), cert, to: fc.constantFrom('financing' as const, 'accounting' as const) }),
  fc.record({ kind: fc.constant('freeze' as const), cert }),
)

t.test('random command sequences keep every certificate balance = nominal − reserved − spent ≥ 0', async (t) => {
  let runs = 0
  let applied = 0
  let contractsMade = 0
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 40 }), async (commands) => {
      const store = new MemoryEventStore()
      const app = new Application(store)
      await smallWorld(app, { cap: 3, capacity: 2, groups: 2 })
      // Four children already hold active certificates (three financing, one more than the cap, so one waits in
      // the queue); the random commands then issue, activate, enrol, answer, terminate, change and freeze.
      for (let i = 1; i <= 4; i++) {
        const n = `P${String(i).padStart(9, '0')}`
        await issueCertificate(app, ctx(), {
          certificateNumber: n,
          municipality: MUNICIPALITY,
          birthDate: '2013-01-01',
          issuedOn: '2024-09-01',
          type: 'financing',
        })
        await activateCertificate(app, ctx(), { certificateNumber: n, activatedOn: '2024-09-01' })
      }
      const contracts: string[] = []
      for (const c of commands) {
        try {
          switch (c.kind) {
            case 'issue':
              await issueCertificate(app, ctx(), {
                certificateNumber: c.cert,
                municipality: MUNICIPALITY,
                birthDate: '2013-01-01',
                issuedOn: '2024-09-01',
                type: c.type,
              })
              break
            case 'activate':
              await activateCertificate(app, ctx(), { certificateNumber: c.cert, activatedOn: '2024-09-01' })
              break
            case 'request': {
              const date = `${c.month}-${c.day}`
              const r = await requestContract(app, ctx(), {
                certificateNumber: c.cert,
                groupId: c.group,
                requestedOn: date,
                startDate: date,
                parentPaysAll: c.parentPaysAll,
              })
              contracts.push(r.contractId)
              contractsMade++
              break
            }
            case 'accept':
              if (contracts.length) await acceptContract(app, ctx(), { contractId: contracts[c.pick % contracts.length]!, acceptedOn: '2025-05-31' })
              break
            case 'refuse':
              if (contracts.length)
                await refuseContract(app, ctx(), { contractId: contracts[c.pick % contracts.length]!, refusedOn: '2025-05-31', by: 'provider', reason: 'test' })
              break
            case 'terminate':
              if (contracts.length)
                await terminateContract(app, ctx(), {
                  contractId: contracts[c.pick % contracts.length]!,
                  terminatedOn: `${c.month}-15`,
                  by: 'parent',
                  reason: 'test',
                })
              break
            case 'close':
              if (contracts.length) await closeContract(app, ctx(), { contractId: contracts[c.pick % contracts.length]!, closedOn: '2025-08-31' })
              break
            case 'changeType':
              await changeCertificateType(app, ctx(), { certificateNumber: c.cert, to: c.to, periodId: PERIOD, on: '2024-12-01' })
              break
            case 'freeze':
              await freezeCertificate(app, ctx(), { certificateNumber: c.cert, periodId: PERIOD, on: '2024-12-01' })
              break
          }
          applied++
        } catch (error) {
          if (!(error instanceof DomainError)) throw error
        }
      }
      runs++
      const log = await wholeLog(store)
      const problems = violations(log, {
        capacity: new Map([
          ['robotics-1', 2],
          ['robotics-2', 2],
          ['choir-1', 30],
        ]),
      })
      if (problems.length > 0) throw new Error(problems.join('; '))
      for (const e of log) {
        if (e.type !== 'ContractRequested') continue
        const d = e.data as { quote: { certificate: number; parent: number }; schedule: { certificate: number; parent: number }[] }
        if (d.schedule.reduce((s, m) => s + m.certificate, 0) !== d.quote.certificate) throw new Error('schedule does not add up to the certificate part')
        if (d.schedule.reduce((s, m) => s + m.parent, 0) !== d.quote.parent) throw new Error("schedule does not add up to the parent's part")
      }
      // The deciders' own view of each certificate agrees with the figures computed straight from the events.
      const f = figures(log)
      for (const [key, v] of f.money) {
        const [number, period] = key.split('|') as [string, string]
        const state = (await app.aggregates.load(certificateDecider, streams.certificate(number))).state
        const m = state.periods.get(period)!
        if (balanceOf(m) !== v.balance || m.reserved !== v.reserved)
          throw new Error(`${key}: decider ${balanceOf(m)}/${m.reserved}, events ${v.balance}/${v.reserved}`)
      }
      return true
    }),
    { numRuns: 150 },
  )
  t.equal(runs, 150, 'every run checked')
  // Not a vacuous property: on average several commands per run succeed, contracts among them.
  t.ok(applied > 150 * 3, `the sequences did things (${applied} commands applied)`)
  t.ok(contractsMade > 150, `contracts were made (${contractsMade})`)
})
