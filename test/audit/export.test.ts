import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { exportMunicipality, verifyExport } from '../../src/audit/export.ts'
import { runCli } from '../helpers/cli.ts'
import { closedOctoberBesideAnother } from '../helpers/paid-october.ts'
import { MUNICIPALITY } from '../helpers/world.ts'

t.test('an export verifies offline; one byte changed does not', async (t) => {
  const { db, store, number } = await closedOctoberBesideAnother(t)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-export-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const out = path.join(dir, 'tambov.ndjson')
  const manifest = await exportMunicipality(store, { municipality: MUNICIPALITY, selection: { by: 'business', from: '2000-01-01', to: '2099-12-31' }, out })
  const inScope = (
    await db.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM ledger.events WHERE stream_id NOT LIKE 'idempotency-%' AND stream_id <> 'municipality-elsewhere'`
  )[0]!.n
  t.equal(manifest.events, inScope, 'every event of the municipality, none of another')
  t.notOk(fs.readFileSync(out, 'utf8').includes('elsewhere'), 'nothing of the other municipality')
  t.equal(
    manifest.lastHashes[`certificate-${number}`],
    (await db.sql<{ hash: string }[]>`SELECT hash FROM ledger.events WHERE stream_id = ${`certificate-${number}`} ORDER BY stream_position DESC LIMIT 1`)[0]!
      .hash,
  )

  const ok = verifyExport(out)
  t.equal(ok.ok, true, JSON.stringify(ok.firstProblem))
  t.equal(ok.events, manifest.events)

  // One byte changed: a kopeck of an amount.
  const text = fs.readFileSync(out, 'utf8')
  const tampered = path.join(dir, 'tampered.ndjson')
  fs.writeFileSync(tampered, text.replace('"amount":776000', '"amount":776001'))
  fs.copyFileSync(`${out}.manifest.json`, `${tampered}.manifest.json`)
  const bad = verifyExport(tampered)
  t.equal(bad.ok, false)
  t.match(bad.firstProblem, { detail: /SHA-256 differs/ })
  t.ok(
    bad.problems.some((p) => p.check === 'chain' && /altered/.test(p.detail) && p.streamId === `certificate-${number}`),
    'and the altered event is named',
  )

  const cli = await runCli(['verify', '--file', out], {})
  t.equal(cli.code, 0, cli.stdout + cli.stderr)
  t.match(cli.stdout, /everything holds/)
  const cliBad = await runCli(['verify', '--file', tampered, '--json'], {})
  t.equal(cliBad.code, 1)
  t.equal(JSON.parse(cliBad.stdout).ok, false)
})
