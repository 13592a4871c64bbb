import { parseArgs } from 'node:util'
import { businessDateOf, upcast } from '../../../events/index.ts'
import { PROJECTIONS, projectionNamed } from '../../../projections/index.ts'
import { applyBatch, createGeneration, dumpGeneration } from '../../../projections/postgres.ts'
import { ProjectionReader } from '../../../projections/read.ts'
import { type AsOf, effectiveOn, parseKnownAt } from '../../audit/as-of.ts'
import { DateFormatError, isValidDate } from '../../domain/dates.ts'
import { compareLogPositions, type EventStore, LOG_START, type LogBound, type LogPosition, type RecordedEvent } from '../../store/port.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

const USAGE = 'usage: ledger replay [--as-of YYYY-MM-DD] [--known-at MOMENT | --position N] [--certificate NUMBER | --contract ID] [--projection NAME]'

/**
 * `ledger replay`: answers from the log itself as of a business date (`--as-of`: what was true on that day, as the
 * ledger knows it now) and/or as the ledger had recorded it (`--known-at` an instant or the end of a day,
 * `--position` an event), folding the events with the projections' own code. A certificate or a contract prints as
 * the API shows it; a projection is rebuilt into a scratch schema and printed table by table; with neither, the row
 * counts of every projection.
 */
export async function replayCommand(args: string[]): Promise<number> {
  let values: { 'as-of'?: string; 'known-at'?: string; position?: string; certificate?: string; contract?: string; projection?: string; help?: boolean }
  try {
    values = parseArgs({
      args,
      options: {
        'as-of': { type: 'string' },
        'known-at': { type: 'string' },
        position: { type: 'string' },
        certificate: { type: 'string' },
        contract: { type: 'string' },
        projection: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(
      `${USAGE}\n  --as-of DATE     what was true on that business date, as the ledger knows it now\n  --known-at T     what the ledger had recorded by then (YYYY-MM-DD: the end of that day in LEDGER_TIME_ZONE; or an ISO instant)\n  --position N     what the ledger had recorded up to and including event N\n`,
    )
    return 0
  }
  const on = values['as-of'] ?? null
  if (on === null && !values['known-at'] && !values.position) throw new UsageError(USAGE)
  if (on !== null && !isValidDate(on)) throw new UsageError(new DateFormatError(on, '--as-of').message)
  if (values.position && !/^[1-9]\d{0,18}$/.test(values.position))
    throw new UsageError(`--position: ${JSON.stringify(values.position)} is not a global position`)
  if (values.certificate && values.contract) throw new UsageError('name a certificate or a contract, not both')
  let selected = PROJECTIONS
  try {
    if (values.projection) selected = [projectionNamed(values.projection)]
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const runtime = await openRuntime({ create: false })
  try {
    let recordedBefore: Date | undefined
    try {
      if (values['known-at']) recordedBefore = parseKnownAt(values['known-at'], runtime.config.LEDGER_TIME_ZONE, '--known-at')
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
    const asOf: AsOf = { on, known: { ...(values.position ? { position: BigInt(values.position) } : {}), ...(recordedBefore ? { recordedBefore } : {}) } }
    const header = { asOf: on, knownAt: recordedBefore?.toISOString() ?? null, knownUpToPosition: values.position ?? null }
    const reader = new ProjectionReader(runtime.db.sql, runtime.store)
    if (values.certificate) {
      const { view, position, issuedOn } = await reader.certificates.asOf(values.certificate, asOf)
      if (!view) {
        process.stderr.write(
          `ledger: certificate ${values.certificate} did not exist then${issuedOn ? `: it was issued on ${issuedOn}` : ': the ledger has no such certificate'}\n`,
        )
        return 1
      }
      process.stdout.write(`${JSON.stringify({ ...header, position: String(position), certificate: view }, null, 2)}\n`)
      return 0
    }
    if (values.contract) {
      const { view, position, requestedOn } = await reader.contracts.asOf(values.contract, asOf)
      if (!view) {
        process.stderr.write(
          `ledger: contract ${values.contract} did not exist then${requestedOn ? `: it was requested on ${requestedOn}` : ': the ledger has no such contract'}\n`,
        )
        return 1
      }
      process.stdout.write(`${JSON.stringify({ ...header, position: String(position), contract: view }, null, 2)}\n`)
      return 0
    }
    const within = await boundFilter(runtime.store, asOf)
    const out: Record<string, unknown> = {}
    let folded = 0
    // Registry facts have no date and count from the beginning of history: a question before every dated event
    // would fold only them, and is answered as what it is, a date before the ledger's history.
    let dated = 0
    let firstDate: string | null = null
    // One end for every projection replayed: each folds the same log, all that was committed when the replay began.
    const end = await runtime.store.committedEnd?.()
    for (const [i, p] of selected.entries()) {
      const schema = `replay_${p.name.replaceAll('-', '_')}_${process.pid}`
      try {
        await runtime.db.sql.begin((tx) => createGeneration(tx, p, schema))
        let after: LogPosition = LOG_START
        for (;;) {
          const page = await runtime.store.readAll({ after, limit: 5000, ...(end ? { end } : {}) })
          const events = page.events.filter(within)
          if (i === 0) {
            folded += events.length
            dated += events.filter((e) => businessDateOf(upcast(e)) !== null).length
            for (const e of page.events) {
              const d = businessDateOf(upcast(e))
              if (d !== null && (firstDate === null || d < firstDate)) firstDate = d
            }
          }
          if (events.length > 0) await runtime.db.sql.begin((tx) => applyBatch(tx, p, schema, events, page.position))
          after = page.position
          if (page.caughtUp) break
        }
        if (i === 0 && dated === 0) {
          const first = firstDate ? `the log's first business date is ${firstDate}` : 'the log is empty'
          process.stderr.write(
            `ledger: no events ${on ? `on or before ${on}` : ''}${on && (recordedBefore || values.position) ? ' and ' : ''}${recordedBefore || values.position ? 'recorded by then' : ''}: ${first}\n`,
          )
          return 1
        }
        const tables = await dumpGeneration(runtime.db.sql, p, schema)
        out[p.name] = values.projection ? tables : Object.fromEntries(Object.entries(tables).map(([t, rows]) => [t, rows.length]))
      } finally {
        await runtime.db.sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      }
    }
    process.stdout.write(`${JSON.stringify({ ...header, events: folded, projections: out }, null, 2)}\n`)
    return 0
  } finally {
    await runtime.close()
  }
}

async function boundFilter(store: EventStore, asOf: AsOf): Promise<(e: RecordedEvent) => boolean> {
  const bound: LogBound = asOf.known
  let upTo: LogPosition | null = null
  if (bound.position !== undefined) upTo = (await store.positionOf(bound.position)) ?? LOG_START
  const effective = effectiveOn(asOf.on)
  return (e) =>
    (upTo === null || compareLogPositions({ transactionId: e.transactionId, globalPosition: e.globalPosition }, upTo) <= 0) &&
    (bound.recordedBefore === undefined || e.recordedAt < bound.recordedBefore) &&
    effective(e)
}
