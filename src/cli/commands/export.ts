import { parseArgs } from 'node:util'
import { endOfDay } from '../../api/reads.ts'
import { exportMunicipality } from '../../audit/export.ts'
import { isValidDate } from '../../domain/dates.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

/** `ledger export --municipality M --from DATE --to DATE --out FILE`: NDJSON and FILE.manifest.json for an auditor. */
export async function exportCommand(args: string[]): Promise<number> {
  let values: { municipality?: string; from?: string; to?: string; out?: string }
  try {
    values = parseArgs({ args, options: { municipality: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } }, strict: true }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { municipality, from, to, out } = values
  if (!municipality || !from || !to || !out) throw new UsageError('usage: ledger export --municipality M --from YYYY-MM-DD --to YYYY-MM-DD --out FILE')
  for (const [flag, v] of [['--from', from], ['--to', to]] as const) if (!isValidDate(v)) throw new UsageError(`${flag}: ${JSON.stringify(v)} is not a date YYYY-MM-DD`)
  if (to < from) throw new UsageError('--to is before --from')
  const runtime = await openRuntime()
  try {
    const zone = runtime.config.LEDGER_TIME_ZONE
    // From the start of `from` to the end of `to`, in the ledger's time zone.
    const start = endOfDay(new Date(Date.parse(`${from}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10), zone)
    const manifest = await exportMunicipality(runtime.store, { municipality, from: start, to: endOfDay(to, zone), fromText: from, toText: to, out })
    process.stdout.write(`${manifest.events} events of ${manifest.streams} streams (${manifest.eventsInPeriod} recorded ${from}..${to}) written to ${out}; manifest ${out}.manifest.json; SHA-256 ${manifest.sha256}\n`)
    return 0
  } finally {
    await runtime.close()
  }
}
