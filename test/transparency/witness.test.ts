import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { consistencyProof, leafHash, memorySubtrees, rootOf } from '../../src/transparency/merkle.ts'
import { generateSigningKey, parseSigningKey, signCheckpoint } from '../../src/transparency/note.ts'
import { witness } from '../../src/transparency/witness.ts'
import { runCli } from '../helpers/cli.ts'

// Checkpoints an auditor collected over months: an honest series passes; a fork (one size, two roots), a rewritten
// history (a later checkpoint that does not extend an earlier one) and a bad signature are each named.

const key = parseSigningKey(generateSigningKey('test/ledger'))
const leavesOf = (tag: string, n: number) => Array.from({ length: n }, (_, i) => leafHash(crypto.createHash('sha256').update(`${tag} ${i}`).digest()))
const honest = leavesOf('honest', 40)
const honestTree = memorySubtrees(honest)
// The same first 10 events, then a rewritten event 10 and on.
const rewritten = [...honest.slice(0, 10), ...leavesOf('rewritten', 30)]
const rewrittenTree = memorySubtrees(rewritten)
const cp = (tree: ReturnType<typeof memorySubtrees>, size: number) => signCheckpoint({ origin: 'test/ledger', size, root: rootOf(size, tree) }, key)
const proofs = (tree: ReturnType<typeof memorySubtrees>) => async (from: number, to: number) => consistencyProof(from, to, tree)

t.test('an honest series: every checkpoint signed and extending the one before', async (t) => {
  const findings = await witness(
    [5, 12, 12, 40].map((n, i) => ({ name: `cp${i}`, text: cp(honestTree, n) })),
    key.verifier,
    proofs(honestTree),
  )
  t.ok(
    findings.every((f) => f.ok),
    findings.map((f) => f.text).join('\n'),
  )
})

t.test('a fork, a rewritten history and a bad signature are each named', async (t) => {
  const other = parseSigningKey(generateSigningKey('test/ledger'))
  const findings = await witness(
    [
      { name: 'january', text: cp(honestTree, 20) },
      { name: 'february-to-another-auditor', text: cp(rewrittenTree, 20) },
      { name: 'march', text: cp(rewrittenTree, 30) },
      { name: 'forged', text: signCheckpoint({ origin: 'test/ledger', size: 35, root: rootOf(35, honestTree) }, other) },
    ],
    key.verifier,
    proofs(rewrittenTree),
  )
  const failed = findings.filter((f) => !f.ok).map((f) => f.text)
  t.ok(
    failed.some((f) => /^FORK: january and february-to-another-auditor are both signed for 20 events but with different roots/.test(f)),
    failed.join('\n'),
  )
  t.ok(failed.some((f) => /^forged: REFUSED: .*not signed by test\/ledger/.test(f)))
  // Whichever history the ledger serves proofs from, one of the two checkpoints of 20 does not lead to march.
  t.ok(failed.some((f) => /^REWRITTEN: march \(30 events\) does not extend january/.test(f)))
})

t.test('ledger witness reads checkpoint files and proves from an export offline; exit 1 naming a rewrite', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-witness-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text)
    return path.join(dir, name)
  }
  const exportFile = write('export.ndjson', '')
  write('export.ndjson.manifest.json', JSON.stringify({ transparency: { leaves: Buffer.concat(honest).toString('base64') } }))
  const a = write('a.txt', cp(honestTree, 7))
  const b = write('b.txt', cp(honestTree, 33))
  const good = await runCli(['witness', a, b, '--key', key.verifier.text, '--export', exportFile], {})
  t.equal(good.code, 0, good.stdout + good.stderr)
  t.match(good.stdout, /consistent, the ledger only appended \(7 → 33 events\)/)
  const c = write('c.txt', cp(rewrittenTree, 25))
  const bad = await runCli(['witness', a, b, c, '--key', key.verifier.text, '--export', exportFile], {})
  t.equal(bad.code, 1)
  t.match(bad.stdout, /REWRITTEN: .*c\.txt \(25 events\)|REWRITTEN: .*b\.txt \(33 events\) does not extend .*c\.txt/)
})
