// A municipality sized for the benchmark, set up through the application layer: a financing period, providers
// with their agreements, certified financing programmes, groups, active financing certificates and, optionally,
// accepted contracts. The commands run against a staging store in memory and their events are flushed to the
// real store in chunks (see staging.ts): the same events as command by command, in far fewer appends.
import { activateCertificate, issueCertificate } from '../../src/app/certificates.ts'
import { Application, type CommandContext, systemMetadata } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { uuidFromName } from '../../src/app/ids.ts'
import { concludeAgreement, openFinancingPeriod, openGroup, recordQualityAssessment, registerProgramme, registerProvider } from '../../src/app/registry.ts'
import type { EventStore } from '../../src/store/port.ts'
import { pool } from './measure.ts'
import { StagingStore } from './staging.ts'

const PERIOD = '2024'
/** Contracts of the month-close phase run from 1 October (the first month written off is October). */
const CONTRACT_START = '2024-10-01'
export const CLOSE_MONTH = '2024-10'
export const CLOSED_ON = '2024-11-01'

const ctx = (): CommandContext => ({ metadata: systemMetadata('bench', 'bench-setup') })

/** Ten characters, unique per municipality prefix letter and index. */
const certificateNumber = (prefix: string, i: number) => `${prefix}${String(i).padStart(9, '0')}`

export interface WorldSpec {
  municipality: string
  /** A letter: certificate numbers are `{prefix}000000001`… */
  prefix: string
  /** Active financing certificates to issue. */
  certificates: number
  /** How many of them (the first ones) get an accepted contract starting on CONTRACT_START. */
  contracts: number
  providers?: number
  /** Places per group: there are enough groups for every certificate to enrol. */
  groupCapacity?: number
  /** Certificates staged in memory between two flushes. */
  chunk?: number
  /** Appends in flight at once while flushing. */
  concurrency: number
  onProgress?: (done: number, total: number) => void
}

export interface World {
  municipality: string
  groups: string[]
  certificates: string[]
  /** Contract ids of the accepted contracts. */
  contracts: string[]
  events: number
  appends: number
  seconds: number
}

export async function seedWorld(target: EventStore, spec: WorldSpec): Promise<World> {
  const started = performance.now()
  const staging = new StagingStore()
  const app = new Application(staging)
  const m = spec.municipality
  const providers = spec.providers ?? 20
  const capacity = spec.groupCapacity ?? 25
  const groupCount = Math.max(1, Math.ceil(spec.certificates / capacity))
  await openFinancingPeriod(app, ctx(), {
    municipality: m,
    periodId: PERIOD,
    startDate: '2024-09-01',
    endDate: '2025-08-31',
    nominal: 776000,
    financingCap: spec.certificates,
    nominalLimit: null,
    payerId: `payer-${m}`,
  })
  for (let p = 0; p < providers; p++) {
    const providerId = `${m}-prov-${p}`
    await registerProvider(app, ctx(), { providerId, municipality: m, name: `Центр ${p}`, kind: p % 3 === 0 ? 'municipal' : 'private' })
    await concludeAgreement(app, ctx(), { providerId, payerId: `payer-${m}`, periodId: PERIOD, concludedOn: '2024-08-01' })
    await registerProgramme(app, ctx(), { programmeId: `${m}-prog-${p}`, providerId, title: `Программа ${p}`, direction: 'technical', kind: 'financing' })
    await recordQualityAssessment(app, ctx(), { programmeId: `${m}-prog-${p}`, score: 42, assessedOn: '2024-06-01' })
  }
  const groups: string[] = []
  for (let g = 0; g < groupCount; g++) {
    const groupId = `${m}-group-${g}`
    await openGroup(app, ctx(), {
      groupId,
      programmeId: `${m}-prog-${g % providers}`,
      startDate: '2024-09-01',
      endDate: '2025-05-31',
      price: 900000,
      normativeCost: 700000,
      capacity,
    })
    groups.push(groupId)
  }
  let events = staging.pendingEvents()
  let appends = await staging.flush(target, { concurrency: spec.concurrency })

  // Certificates and their contracts, a chunk at a time: staged, then flushed and released from memory.
  const certificates: string[] = []
  const contracts: string[] = []
  const chunk = spec.chunk ?? 5000
  const released = (streamId: string) => streamId.startsWith('certificate-') || streamId.startsWith('contract-')
  for (let from = 0; from < spec.certificates; from += chunk) {
    const to = Math.min(spec.certificates, from + chunk)
    const indexes = Array.from({ length: to - from }, (_, k) => from + k)
    // Several at a time, as concurrent requests would: the commands interleave on the shared streams.
    await pool(indexes, 16, async (i) => {
      const number = certificateNumber(spec.prefix, i + 1)
      await issueCertificate(app, ctx(), {
        certificateNumber: number,
        municipality: m,
        birthDate: `20${String(10 + (i % 8)).padStart(2, '0')}-05-05`,
        issuedOn: '2024-09-02',
        type: 'financing',
      })
      await activateCertificate(app, ctx(), { certificateNumber: number, activatedOn: '2024-09-02' })
      certificates[i] = number
      if (i < spec.contracts) {
        const contractId = uuidFromName(`bench:${m}:contract:${i}`)
        await requestContract(app, ctx(), {
          contractId,
          certificateNumber: number,
          groupId: groups[Math.floor(i / capacity)]!,
          requestedOn: CONTRACT_START,
          startDate: CONTRACT_START,
        })
        await acceptContract(app, ctx(), { contractId, acceptedOn: CONTRACT_START })
        contracts[i] = contractId
      }
    })
    events += staging.pendingEvents()
    appends += await staging.flush(target, { concurrency: spec.concurrency, release: released })
    spec.onProgress?.(to, spec.certificates)
  }
  return { municipality: m, groups, certificates, contracts: contracts.filter(Boolean), events, appends, seconds: (performance.now() - started) / 1000 }
}
