import { parseArgs } from 'node:util'
import { PROJECTIONS, projectionNamed } from '../../../projections/index.ts'
import { applyBatch, createGeneration, dumpGeneration } from '../../../projections/postgres.ts'
import { ProjectionReader } from '../../../projections/read.ts'
import { endOfDay } from '../../api/reads.ts'
import { isValidDate } from '../../domain/dates.ts'
import { compareLogPositions, type EventStore, LOG_START, type LogBound, type LogPosition, type RecordedEvent } from '../../store/port.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

/**
 * `ledger replay --as-of DATE | --position N [--certificate NUMBER] [--projection NAME]`: answers from the log
 * itself, folding the events recorded up to that moment with the projections' own code. A certificate prints as
 * the API shows it; a projection is rebuilt into a scratch schema and printed table by table; with neither,
 * the row counts of every projection.
 */
export async function replayCommand(args: string[]): Promise<number> {
  let values: { 'as-of'?: string; position?: string; certificate?: string; projection?: string }
  try {
    values = parseArgs({ args, options: { 'as-of': { type: 'string' }, position: { type: 'string' }, certificate: { type: 'string' }, projection: { type: 'string' } }, strict: true }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const asOf = values['as-of']
  if (!asOf && !values.position) throw new UsageError('usage: ledger replay --as-of YYYY-MM-DD | --position N [--certificate NUMBER] [--projection NAME]')
  if (asOf && !isValidDate(asOf) && Number.isNaN(Date.parse(asOf))) throw new UsageError(`--as-of: ${JSON.stringify(asOf)} is not a date YYYY-MM-DD`)
  if (values.position && !/^[1-9]\d*$/.test(values.position)) throw new UsageError(`--position: ${JSON.stringify(values.position)} is not a global position`)
  let selected = PROJECTIONS
  try {
    if (values.projection) selected = [projectionNamed(values.projection)]
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const runtime = await openRuntime()
  try {
    const bound: LogBound = {
      ...(values.position ? { position: BigInt(values.position) } : {}),
      ...(asOf ? { recordedBefore: endOfDay(asOf, runtime.config.LEDGER_TIME_ZONE) } : {}),
    }
    if (values.certificate) {
      const { view, position } = await new ProjectionReader(runtime.db.sql, runtime.store).certificateAsOf(values.certificate, bound)
      if (!view) {
        process.stderr.write(`ledger: certificate ${values.certificate} did not exist then\n`)
        return 1
      }
      process.stdout.write(`${JSON.stringify({ asOf: asOf ?? null, position: String(position), certificate: view }, null, 2)}\n`)
      return 0
    }
    const within = await boundFilter(runtime.store, bound)
    const out: Record<string, unknown> = {}
    for (const p of selected) {
      const schema = `replay_${p.name.replaceAll('-', '_')}_${process.pid}`
      try {
        await runtime.db.sql.begin((tx) => createGeneration(tx, p, schema))
        let after: LogPosition = LOG_START
        for (;;) {
          const page = await runtime.store.readAll({ after, limit: 5000 })
          const events = page.events.filter(within)
          if (events.length > 0) await runtime.db.sql.begin((tx) => applyBatch(tx, p, schema, events, page.position))
          after = page.position
          if (page.caughtUp) break
        }
        const tables = await dumpGeneration(runtime.db.sql, p, schema)
        out[p.name] = values.projection ? tables : Object.fromEntries(Object.entries(tables).map(([t, rows]) => [t, rows.length]))
      } finally {
        await runtime.db.sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      }
    }
    process.stdout.write(`${JSON.stringify({ asOf: asOf ?? null, position: values.position ?? null, projections: out }, null, 2)}\n`)
    return 0
  } finally {
    await runtime.close()
  }
}

async function boundFilter(store: EventStore, bound: LogBound): Promise<(e: RecordedEvent) => boolean> {
  let upTo: LogPosition | null = null
  if (bound.position !== undefined) {
    upTo = (await store.positionOf(bound.position)) ?? LOG_START
  }
  return (e) =>
    (upTo === null || compareLogPositions({ transactionId: e.transactionId, globalPosition: e.globalPosition }, upTo) <= 0) &&
    (bound.recordedBefore === undefined || e.recordedAt < bound.recordedBefore)
}
