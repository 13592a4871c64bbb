import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { verifyExport } from '../../audit/export.ts'
import { type VerifyReport, verifyLedger } from '../../audit/verify.ts'
import type { Config } from '../../config/config.ts'
import { signingKeyOf } from '../../transparency/keys.ts'
import { parseVerifierKey, type VerifierKey } from '../../transparency/note.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

/** `ledger verify [--json] [--skip-projections]`: exit 0 when everything holds, 1 naming the first disagreement. */
export async function verifyCommand(args: string[]): Promise<number> {
  let values: { json?: boolean; 'skip-projections'?: boolean; file?: string; key?: string; since?: string }
  try {
    values = parseArgs({
      args,
      options: {
        json: { type: 'boolean' },
        'skip-projections': { type: 'boolean' },
        file: { type: 'string' },
        key: { type: 'string' },
        since: { type: 'string' },
      },
      strict: true,
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.file) {
    // Offline: an export and its manifest, no database.
    if (!fs.existsSync(values.file)) throw new UsageError(`cannot read ${values.file}: ENOENT`)
    const started = Date.now()
    const key = exportKey(values.file, values.key)
    let since: string | undefined
    if (values.since) {
      try {
        since = fs.readFileSync(values.since, 'utf8')
      } catch (error) {
        throw new UsageError(`cannot read ${values.since}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
      }
    }
    return print(verifyExport(values.file, { key, ...(since !== undefined ? { since } : {}) }), values.json ?? false, (Date.now() - started) / 1000)
  }
  const runtime = await openRuntime()
  try {
    const started = Date.now()
    const tty = process.stderr.isTTY
    const verifier = configuredVerifier(runtime.config, values.key)
    if (!verifier)
      process.stderr.write('ledger: warning: checkpoint signatures not checked (no key: set LEDGER_SIGNING_KEY_FILE or pass --key); their roots are\n')
    const report = await verifyLedger(runtime.db.sql, runtime.store, {
      skipProjections: values['skip-projections'] ?? false,
      verifier,
      onProgress: (n) => tty && process.stderr.write(`\rverifying: ${n} events read`),
    })
    if (tty) process.stderr.write('\n')
    return print(report, values.json ?? false, (Date.now() - started) / 1000)
  } finally {
    await runtime.close()
  }
}

/**
 * The key an export's checkpoint is checked with: --key, else the one the file names itself, with a warning (an
 * auditor passes the key the ledger published, or a forger's own key would do).
 */
function exportKey(file: string, key: string | undefined): VerifierKey | null {
  if (key) return configuredVerifier({} as Config, key)
  try {
    const manifest = JSON.parse(fs.readFileSync(`${file}.manifest.json`, 'utf8')) as { transparency?: { verifierKey?: string } }
    const named = manifest.transparency?.verifierKey
    if (!named) return null
    process.stderr.write(`ledger: warning: checked with the key the export names itself (${named}); pass --key with the key the ledger published\n`)
    return parseVerifierKey(named)
  } catch {
    return null
  }
}

/** The key the checkpoints' signatures are checked with: --key (a verifier key or a file holding one), else the configured signing key's. */
function configuredVerifier(config: Config, key: string | undefined): VerifierKey | null {
  if (key) {
    try {
      return parseVerifierKey(fs.existsSync(key) ? fs.readFileSync(key, 'utf8') : key)
    } catch (error) {
      throw new UsageError(`--key: ${(error as Error).message}`)
    }
  }
  try {
    // A key made just now (an in-memory ledger) signed nothing kept: no key to check with.
    const signing = signingKeyOf(config)
    return signing.created ? null : signing.key.verifier
  } catch {
    return null
  }
}

function print(report: VerifyReport, json: boolean, seconds: number): number {
  process.stdout.write(json ? `${JSON.stringify({ ...report, seconds })}\n` : `${formatVerifyReport(report, seconds)}\n`)
  return report.ok ? 0 : 1
}

/** The verify report as a person reads it: each check's count, then the first disagreement or that all holds. */
export function formatVerifyReport(report: VerifyReport, seconds: number): string {
  const out = [`${report.events} events in ${report.streams} streams, verified in ${seconds.toFixed(1)} s`]
  for (const [check, c] of Object.entries(report.checks)) {
    out.push(`  ${check.padEnd(11)} ${String(c.checked).padStart(9)} checked  ${c.problems === 0 ? 'ok' : `${c.problems} problem(s)`}`)
  }
  const p = report.firstProblem
  if (p) {
    const where = p.streamId
      ? ` at ${p.streamId}${p.streamPosition !== undefined ? ` position ${p.streamPosition} (event ${p.eventId}, global position ${p.globalPosition})` : ''}`
      : ''
    out.push(`FIRST DISAGREEMENT (${p.check})${where}: ${p.detail}\n  expected: ${p.expected}\n  found:    ${p.found}`)
  } else {
    out.push('everything holds')
  }
  return out.join('\n')
}
