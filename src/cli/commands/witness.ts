import fs from 'node:fs'
import { parseArgs } from 'node:util'
import type { ExportManifest } from '../../audit/export.ts'
import { loadConfig } from '../../config/config.ts'
import { signingKeyOf } from '../../transparency/keys.ts'
import { consistencyProof, memorySubtrees } from '../../transparency/merkle.ts'
import { parseVerifierKey, type VerifierKey } from '../../transparency/note.ts'
import { treeConsistencyProof } from '../../transparency/tree.ts'
import { type ProofSource, witness } from '../../transparency/witness.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

const USAGE = `usage: ledger witness CHECKPOINT_FILE… [--key KEY] [--export FILE]
  checks checkpoints collected over time: each signed by KEY (the verifier key the ledger published, or a file
  holding it; default the configured signing key's), each consistent with the one before. Consistency proofs come
  from --export FILE (an export's leaves, offline) or else from the ledger the configuration names.
  Exit 0 when all holds; 1 naming a fork (one size, two roots) or a rewritten history.`

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

function keyOf(value: string | undefined): VerifierKey {
  try {
    if (value) return parseVerifierKey(fs.existsSync(value) ? readText(value) : value)
    return signingKeyOf(loadConfig()).key.verifier
  } catch (error) {
    throw new UsageError(`--key: ${(error as Error).message}`)
  }
}

/** Proofs from an export's leaves: any two sizes up to the export's tree. */
function exportProofs(file: string): ProofSource {
  let manifest: ExportManifest
  try {
    manifest = JSON.parse(readText(`${file}.manifest.json`)) as ExportManifest
  } catch (error) {
    throw new UsageError(`${file}.manifest.json: ${(error as Error).message}`)
  }
  const raw = Buffer.from(manifest.transparency?.leaves ?? '', 'base64')
  const leaves = Array.from({ length: Math.floor(raw.length / 32) }, (_, i) => raw.subarray(i * 32, i * 32 + 32))
  const tree = memorySubtrees(leaves)
  return async (from, to) => {
    if (to > leaves.length) throw new Error(`the export has ${leaves.length} leaves, not ${to}`)
    return consistencyProof(from, to, tree)
  }
}

export async function witnessCommand(args: string[]): Promise<number> {
  let parsed: { values: { key?: string; export?: string; help?: boolean }; positionals: string[] }
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { key: { type: 'string' }, export: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('witness needs at least one CHECKPOINT_FILE')
  const notes = positionals.map((name) => ({ name, text: readText(name) }))
  const key = keyOf(values.key)
  let findings: Awaited<ReturnType<typeof witness>>
  if (values.export) {
    findings = await witness(notes, key, exportProofs(values.export))
  } else {
    const runtime = await openRuntime()
    try {
      findings = await witness(notes, key, (from, to) => treeConsistencyProof(runtime.db.sql, from, to))
    } finally {
      await runtime.close()
    }
  }
  for (const f of findings) process.stdout.write(`${f.ok ? 'ok   ' : 'FAIL '} ${f.text}\n`)
  const failed = findings.filter((f) => !f.ok).length
  process.stdout.write(failed === 0 ? 'the ledger only appended: every checkpoint extends the one before\n' : `${failed} problem(s)\n`)
  return failed === 0 ? 0 : 1
}
