import { parseArgs } from 'node:util'
import { endOfDay } from '../../audit/as-of.ts'
import { type ExportCut, type ExportSelection, exportMunicipality } from '../../audit/export.ts'
import { addDays, DateFormatError, isValidDate } from '../../domain/dates.ts'
import { checkpointPolicy, signingKeyOf } from '../../transparency/keys.ts'
import { checkpointIfDue, TreeFollower } from '../../transparency/tree.ts'
import { openRuntime, type Runtime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

const USAGE = 'usage: ledger export --municipality M (--from YYYY-MM-DD --to YYYY-MM-DD | --recorded-from YYYY-MM-DD --recorded-to YYYY-MM-DD) --out FILE'

/**
 * `ledger export`: a municipality's events as NDJSON and FILE.manifest.json for an auditor. `--from/--to` select a
 * business period (the events' own dates); `--recorded-from/--recorded-to` select by when the ledger recorded them.
 */
export async function exportCommand(args: string[]): Promise<number> {
  let values: { municipality?: string; from?: string; to?: string; 'recorded-from'?: string; 'recorded-to'?: string; out?: string; help?: boolean }
  try {
    values = parseArgs({
      args,
      options: {
        municipality: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'recorded-from': { type: 'string' },
        'recorded-to': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(
      `${USAGE}\n  --from/--to                     a business period: every stream of the municipality with an event dated up to --to, whole from its first event\n  --recorded-from/--recorded-to   by when the ledger recorded the events (ends of days in LEDGER_TIME_ZONE)\n`,
    )
    return 0
  }
  const { municipality, out } = values
  const business = values.from !== undefined || values.to !== undefined
  const recorded = values['recorded-from'] !== undefined || values['recorded-to'] !== undefined
  if (!municipality || !out || business === recorded) throw new UsageError(USAGE)
  const [fromFlag, toFlag] = business ? ['--from', '--to'] : ['--recorded-from', '--recorded-to']
  const from = business ? values.from : values['recorded-from']
  const to = business ? values.to : values['recorded-to']
  if (!from || !to) throw new UsageError(USAGE)
  for (const [flag, v] of [
    [fromFlag, from],
    [toFlag, to],
  ] as const)
    if (!isValidDate(v)) throw new UsageError(new DateFormatError(v, flag).message)
  if (to < from) throw new UsageError(`${toFlag} is before ${fromFlag}`)
  const runtime = await openRuntime()
  try {
    const zone = runtime.config.LEDGER_TIME_ZONE
    // Recorded: from the start of `from` to the end of `to`, in the ledger's time zone.
    const selection: ExportSelection = business
      ? { by: 'business', from, to }
      : { by: 'recorded', from: endOfDay(addDays(from, -1), zone), to: endOfDay(to, zone), fromText: from, toText: to }
    const cut = await exportCut(runtime)
    const cutAt = typeof cut === 'string' ? null : cut
    const manifest = await exportMunicipality(runtime.store, { municipality, selection, out, ...(cutAt ? { cutAt } : {}) })
    // Said once the file is written: a refused export stays one line.
    if (typeof cut === 'string') process.stderr.write(`ledger: warning: the export carries no signed checkpoint: ${cut}\n`)
    const what = business ? `dated ${from}..${to}` : `recorded ${from}..${to}`
    process.stdout.write(
      `${manifest.events} events of ${manifest.streams} streams (${manifest.eventsInPeriod} ${what}) written to ${out}; manifest ${out}.manifest.json; SHA-256 ${manifest.sha256}\n`,
    )
    if (cutAt)
      process.stdout.write(
        `cut at the signed checkpoint of ${cutAt.checkpoint.size} events; verify it with: ledger verify --file ${out} --key '${cutAt.key.verifier.text}'\n`,
      )
    return 0
  } finally {
    await runtime.close()
  }
}

/**
 * The checkpoint an export is cut at: the tree caught up with the log and signed now. Without a signing key the
 * export is written without one (the reason is returned, and said once the file is written): an auditor then has
 * only the file's own chains to go by.
 */
async function exportCut(runtime: Runtime): Promise<ExportCut | string | null> {
  let key: ReturnType<typeof signingKeyOf>['key']
  try {
    key = signingKeyOf(runtime.config).key
  } catch (error) {
    return (error as Error).message // why there is no checkpoint to cut at
  }
  const policy = checkpointPolicy(runtime.config, key)
  await new TreeFollower(runtime.db.sql, runtime.store).catchUp()
  const checkpoint = await checkpointIfDue(runtime.db.sql, policy, { force: true })
  if (!checkpoint) return null
  return { checkpoint, key, origin: policy.origin }
}
