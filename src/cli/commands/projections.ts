import { parseArgs } from 'node:util'
import { PROJECTIONS, projectionNamed } from '../../../projections/index.ts'
import { ProjectionRunner, projectionStatus, rebuildProjections } from '../../../projections/runner.ts'
import { formatLogPosition } from '../../store/port.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

/** `ledger projections run|status|rebuild [NAME]`. */
export async function projectionsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args
  let positionals: string[]
  let values: { once?: boolean; 'batch-size'?: string }
  try {
    ;({ positionals, values } = parseArgs({
      args: rest,
      options: { once: { type: 'boolean' }, 'batch-size': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (!['run', 'status', 'rebuild'].includes(action ?? ''))
    throw new UsageError('usage: ledger projections run [--once] [--batch-size N] | status | rebuild [NAME]')
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size'])
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000))
    throw new UsageError('--batch-size is a whole number from 1 to 100000')
  if (positionals.length > (action === 'rebuild' ? 1 : 0)) throw new UsageError(`unexpected ${positionals.join(' ')}`)
  let selected = PROJECTIONS
  try {
    if (positionals[0]) selected = [projectionNamed(positionals[0])]
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const runtime = await openRuntime()
  try {
    if (action === 'status') {
      const rows = await projectionStatus(runtime.db.sql, runtime.store, selected)
      process.stdout.write('projection            generation  checkpoint            events applied  lag\n')
      for (const s of rows) {
        const stale = s.registeredVersion !== s.version ? `  (built by version ${s.registeredVersion}, code is ${s.version}: rebuild it)` : ''
        process.stdout.write(
          `${s.name.padEnd(22)}${String(s.generation).padStart(10)}  ${formatLogPosition(s.checkpoint).padEnd(20)}  ${String(s.eventsApplied).padStart(14)}  ${String(s.lag).padStart(3)}${stale}\n`,
        )
        if (s.stopped)
          process.stdout.write(
            `  STOPPED at event ${s.stopped.globalPosition} (${s.stopped.eventType} ${s.stopped.eventId} of ${s.stopped.streamId}) since ${s.stopped.since}, ${s.stopped.attempts} attempts: ${s.stopped.error}\n`,
          )
        if (s.skipped > 0)
          process.stdout.write(`  ${s.skipped} events left out: their data does not validate against their schema (\`ledger verify\` names them)\n`)
      }
      return rows.some((s) => s.stopped) ? 1 : 0
    }
    if (action === 'rebuild') {
      // Every selected projection in one pass over the log.
      const started = Date.now()
      const results = await rebuildProjections(runtime.db.sql, runtime.store, selected, {
        onProgress: (n) => process.stderr.isTTY && process.stderr.write(`\rrebuilding ${selected.map((p) => p.name).join(', ')}: ${n} events`),
      })
      if (process.stderr.isTTY) process.stderr.write('\n')
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      for (const r of results) process.stdout.write(`${r.name}: rebuilt from ${r.events} events into ${r.schema} in ${seconds} s; readers switched\n`)
      return 0
    }
    const runner = new ProjectionRunner(runtime.db.sql, runtime.store, selected, batchSize ? { batchSize } : {})
    if (values.once) {
      process.stdout.write(`applied ${await runner.catchUp()} events\n`)
      return 0
    }
    await new Promise<void>((resolve) => {
      runner.start((error) => process.stderr.write(`ledger: projection runner: ${(error as Error).message}\n`))
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void runner.stop().then(resolve))
    })
    return 0
  } finally {
    await runtime.close()
  }
}
