// command: contract requests/s through the application layer (load the streams, decide, append), each request
// for a certificate of its own, `concurrency` at a time, with every request's latency.
import { Application, systemMetadata } from '../../src/app/context.ts'
import { requestContract } from '../../src/app/contracts.ts'
import { DomainError } from '../../src/domain/errors.ts'
import type { EventStore } from '../../src/store/port.ts'
import { percentile, pool, seconds } from './measure.ts'

export interface ThroughputReport {
  perSecond: number
  p50Ms: number
  p99Ms: number
  requests: number
  errors: number
  concurrency: number
  seconds: number
}

/** One contract request: a certificate with no contract yet and a group with a free place for it. */
export interface ContractRequestSpec {
  certificateNumber: string
  groupId: string
}

export const REQUESTED_ON = '2024-10-01'
export const START_DATE = '2024-10-15'

export async function measureCommand(
  store: EventStore,
  requests: ContractRequestSpec[],
  options: { concurrency: number; onProgress?: (text: string) => void },
): Promise<ThroughputReport> {
  // A fresh application, as a freshly started server would have: no stream cached yet.
  const app = new Application(store)
  const latencies: number[] = []
  let errors = 0
  const started = performance.now()
  await pool(requests, options.concurrency, async (r, i) => {
    const t0 = performance.now()
    try {
      await requestContract(app, { metadata: systemMetadata('bench', `bench-command-${i}`) }, { ...r, requestedOn: REQUESTED_ON, startDate: START_DATE })
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      errors++
    }
    latencies.push(performance.now() - t0)
    if (i % 100 === 0) options.onProgress?.(`command: ${i} of ${requests.length} contract requests`)
  })
  const s = seconds(started)
  return {
    perSecond: Math.round(requests.length / s),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    requests: requests.length,
    errors,
    concurrency: options.concurrency,
    seconds: Math.round(s * 100) / 100,
  }
}
