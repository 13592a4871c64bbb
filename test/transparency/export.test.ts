import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { type ExportManifest, exportMunicipality, verifyExport } from '../../src/audit/export.ts'
import { eventHash } from '../../src/store/hash.ts'
import { generateSigningKey, parseSigningKey } from '../../src/transparency/note.ts'
import { checkpointIfDue, TreeFollower } from '../../src/transparency/tree.ts'
import { closedOctoberBesideAnother } from '../helpers/paid-october.ts'
import { MUNICIPALITY } from '../helpers/world.ts'

// An export cut at a signed checkpoint, then edited by someone who recomputes the manifest (its hashes, counts and
// stream heads): each edit is named by the checkpoint's leaves or by the note the ledger signed over the file.

// biome-ignore lint/suspicious/noExplicitAny: export lines read by field name
type Line = Record<string, any>

async function exported(t: Test) {
  // Another municipality's events interleave with this one's: absent from the file, present among the leaves.
  const { db, store, number, contractId } = await closedOctoberBesideAnother(t)
  const key = parseSigningKey(generateSigningKey('test/ledger'))
  const policy = { key, origin: 'test/ledger', everyEvents: 5, everySeconds: 3600 }
  await new TreeFollower(db.sql, store, { checkpoints: policy, batchSize: 5 }).catchUp()
  const checkpoint = (await checkpointIfDue(db.sql, policy, { force: true }))!
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-export-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const out = path.join(dir, 'export.ndjson')
  await exportMunicipality(store, {
    municipality: MUNICIPALITY,
    selection: { by: 'business', from: '2000-01-01', to: '2099-12-31' },
    out,
    cutAt: { checkpoint, key, origin: 'test/ledger' },
  })
  const [earlier] = await db.sql<{ note: string }[]>`SELECT note FROM transparency.checkpoints ORDER BY tree_size LIMIT 1`
  return { db, dir, out, key, number, contractId: contractId, earlier: earlier!.note }
}

/** Writes an edited copy of the export with its manifest recomputed, as a forger would; returns its path. */
function forge(out: string, name: string, edit: (lines: Line[], manifest: ExportManifest) => Line[]): string {
  const manifest = JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8')) as ExportManifest
  const lines = fs
    .readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line)
  const edited = edit(lines, manifest)
  const body = `${edited.map((l) => JSON.stringify(l)).join('\n')}\n`
  const lastHashes: Record<string, string> = {}
  for (const l of edited) lastHashes[l.streamId] = l.hash
  const file = path.join(path.dirname(out), `${name}.ndjson`)
  fs.writeFileSync(file, body)
  const recomputed = {
    ...manifest,
    events: edited.length,
    streams: Object.keys(lastHashes).length,
    lastHashes,
    sha256: crypto.createHash('sha256').update(body).digest('hex'),
  }
  fs.writeFileSync(`${file}.manifest.json`, JSON.stringify(recomputed))
  return file
}

/** Re-chains a stream's lines from `from` on, as one who can recompute hashes does. */
function rechain(lines: Line[], streamId: string) {
  let prevHash: string | null = null
  for (const l of lines.filter((l) => l.streamId === streamId)) {
    if (prevHash !== null) l.prevHash = prevHash
    l.hash = eventHash({ ...l, recordedAt: new Date(l.recordedAt) } as Parameters<typeof eventHash>[0])
    prevHash = l.hash
  }
}

/** Removes lines and their leaf indices from the manifest the forger rewrites. */
function without(lines: Line[], manifest: ExportManifest, drop: (l: Line) => boolean): Line[] {
  const keep = lines.map((l) => !drop(l))
  manifest.transparency!.leafIndex = manifest.transparency!.leafIndex.filter((_, i) => keep[i])
  return lines.filter((_, i) => keep[i])
}

t.test('an export cut at a checkpoint verifies offline with the key, and an earlier checkpoint is a prefix of it', async (t) => {
  const h = await exported(t)
  const report = verifyExport(h.out, { key: h.key.verifier, since: h.earlier })
  t.equal(report.ok, true, JSON.stringify(report.firstProblem))
  t.ok(report.checks.tree!.checked > 0 && report.checks.checkpoint!.checked >= 3)
  const manifest = JSON.parse(fs.readFileSync(`${h.out}.manifest.json`, 'utf8')) as ExportManifest
  t.ok(Buffer.from(manifest.transparency!.leaves, 'base64').length / 32 > manifest.events, 'the leaves of the whole tree, other events too')
  const other = parseSigningKey(generateSigningKey('test/ledger'))
  t.match(verifyExport(h.out, { key: other.verifier }).firstProblem, { check: 'checkpoint', detail: /does not verify: .*not signed by test\/ledger/ })
})

t.test('each edit of an export with a recomputed manifest is caught and named', async (t) => {
  const h = await exported(t)
  const certificate = `certificate-${h.number}`
  const cases: [string, string, (lines: Line[], m: ExportManifest) => Line[], (r: ReturnType<typeof verifyExport>) => unknown][] = [
    [
      'an altered event re-chained',
      'rechained',
      (lines) => {
        const credited = lines.find((l) => l.type === 'NominalCredited')!
        credited.data.amount += 100
        rechain(lines, certificate)
        return lines
      },
      (r) => r.problems.find((p) => p.check === 'tree' && p.streamId === certificate && /altered, re-chained or forged/.test(p.detail)),
    ],
    [
      "a stream's last event deleted",
      'deleted-last',
      (lines, m) => {
        const last = lines.filter((l) => l.streamId === certificate).at(-1)!
        return without(lines, m, (l) => l === last)
      },
      (r) => r.problems.find((p) => p.streamId === certificate && /not the one the ledger signed \(events removed from its end\)/.test(p.detail)),
    ],
    [
      'money forged with a valid chain',
      'forged',
      (lines, m) => {
        const last = lines.filter((l) => l.streamId === certificate).at(-1)!
        const forged: Line = {
          ...last,
          eventId: crypto.randomUUID(),
          streamPosition: last.streamPosition + 1,
          type: 'NominalCredited',
          schemaVersion: 1,
          data: { certificateNumber: h.number, periodId: '2024', amount: 100_000_000, creditedOn: '2024-12-01' },
          prevHash: last.hash,
        }
        forged.hash = eventHash({ ...forged, recordedAt: new Date(forged.recordedAt) } as Parameters<typeof eventHash>[0])
        m.transparency!.leafIndex.push(999_999)
        return [...lines, forged]
      },
      (r) => r.problems.find((p) => p.check === 'tree' && /has no leaf of the signed tree/.test(p.detail)),
    ],
    [
      'a stream dropped',
      'dropped',
      (lines, m) => without(lines, m, (l) => l.streamId === `contract-${h.contractId}`),
      (r) => r.problems.find((p) => p.streamId === `contract-${h.contractId}` && /missing from the file \(dropped\)/.test(p.detail)),
    ],
  ]
  for (const [what, name, edit, named] of cases) {
    const file = forge(h.out, name, edit)
    const report = verifyExport(file, { key: h.key.verifier })
    t.equal(report.ok, false, `${what}: caught`)
    t.ok(named(report), `${what}: named (${report.problems.map((p) => p.detail).join('; ')})`)
  }
})
