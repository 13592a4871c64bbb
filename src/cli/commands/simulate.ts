import { parseArgs } from 'node:util'
import { ProjectionReader } from '../../../projections/read.ts'
import { streams } from '../../app/streams.ts'
import { coverageDate, formatReport, yearReport } from '../../simulation/report.ts'
import { SCENARIOS, type Scenario, scaled } from '../../simulation/scenarios.ts'
import { simulate } from '../../simulation/simulate.ts'
import { progressBar } from '../progress.ts'
import { openRuntime, type Runtime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

/** `ledger simulate --scenario NAME [--seed N] [--scale X] [--json]`: a municipality's school year through the commands. */
export async function simulateCommand(args: string[]): Promise<number> {
  let values: { scenario?: string; seed?: string; scale?: string; json?: boolean }
  try {
    values = parseArgs({
      args,
      options: { scenario: { type: 'string' }, seed: { type: 'string' }, scale: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const names = Object.keys(SCENARIOS).join(', ')
  if (!values.scenario) throw new UsageError(`usage: ledger simulate --scenario NAME [--seed N] [--scale X] [--json]; scenarios: ${names}`)
  const base = SCENARIOS[values.scenario]
  if (!base) throw new UsageError(`--scenario: no scenario ${JSON.stringify(values.scenario)}; there are ${names}`)
  const seed = values.seed === undefined ? 1 : Number(values.seed)
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new UsageError(`--seed: ${JSON.stringify(values.seed)} is not a whole number from 0 to 4294967295`)
  const scale = values.scale === undefined ? 1 : Number(values.scale)
  if (!(scale > 0 && scale <= 20)) throw new UsageError(`--scale: ${JSON.stringify(values.scale)} is not a number above 0 and at most 20`)
  const scenario = scaled(base, scale)

  const runtime = await openRuntime({ create: true })
  try {
    const { result, report } = await simulateYear(runtime, scenario, seed)
    if (values.json) process.stdout.write(`${JSON.stringify({ simulation: result, report })}\n`)
    else process.stdout.write(`${summary(result)}\n\n${formatReport(report, scenario)}\n`)
    return 0
  } finally {
    await runtime.close()
  }
}

/** Simulates a year into a municipality with no history yet, with a progress bar, and reads the payer's report of it. */
export async function simulateYear(runtime: Runtime, scenario: Scenario, seed: number) {
  if ((await runtime.store.streamVersion(streams.municipality(scenario.municipality))) !== null) {
    throw new Error(`municipality ${scenario.municipality} already has a history in this ledger; simulate into an empty one`)
  }
  const reader = new ProjectionReader(runtime.db.sql, runtime.store)
  const bar = progressBar(`simulating ${scenario.name}`)
  const result = await simulate(runtime.ledger, (m) => reader.contracts.openIds(m), {
    scenario,
    seed,
    onProgress: (done, total, phase) => bar.update(done, total, phase),
  })
  bar.done()
  const report = await yearReport(runtime.db.sql, runtime.store, scenario, result.months, coverageDate(scenario))
  return { result, report }
}

export function summary(r: Awaited<ReturnType<typeof simulate>>): string {
  const refusals =
    Object.entries(r.refusals)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ') || 'none'
  return [
    `Simulated ${r.scenario} (seed ${r.seed}) in ${r.seconds.toFixed(1)} s: ${r.commands} commands`,
    `  certificates: ${r.certificates.issued} issued (${r.certificates.financingRequested} asked for financing), ${r.certificates.activated} activated, ${r.certificates.typeChanges} gave the financing type back`,
    `  contracts:    ${r.contracts.requested} requested, ${r.contracts.accepted} accepted, ${r.contracts.refusedByProvider} refused by the provider, ${r.contracts.terminated} terminated`,
    `  months:       ${r.months[0]} … ${r.months[r.months.length - 1]} closed; ${r.attendanceRecords} attendance records`,
    `  refusals by the ledger: ${refusals}`,
  ].join('\n')
}
