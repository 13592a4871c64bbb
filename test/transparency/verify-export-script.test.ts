import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { Application } from '../../src/app/context.ts'
import { exportMunicipality } from '../../src/audit/export.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { generateSigningKey, parseSigningKey, signCheckpoint } from '../../src/transparency/note.ts'
import { TransparencyLog } from '../../src/transparency/service.ts'
import { checkpointIfDue, TreeFollower } from '../../src/transparency/tree.ts'
import { repoRoot, runNode } from '../helpers/cli.ts'
import { testDatabase } from '../helpers/database.ts'
import { activeCertificate, MUNICIPALITY, smallWorld } from '../helpers/world.ts'

// The one-file verifier an auditor runs with plain `node`, on a real export: it holds; on a tampered copy it names
// the edit; with a checkpoint kept from an earlier visit and a consistency proof from the ledger, it shows the
// ledger only appended since.

const script = path.join(repoRoot, 'scripts/verify-export.mjs')
const node = (args: string[]) => runNode([script, ...args], { PATH: process.env.PATH })

t.test('verify-export.mjs: a real export holds, with --since, --proof and --stream; a tampered one is named', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  const key = parseSigningKey(generateSigningKey('test/ledger'))
  const policy = { key, origin: 'test/ledger', everyEvents: 1000, everySeconds: 3600 }
  const follower = new TreeFollower(db.sql, store)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-script-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))

  await smallWorld(app)
  await follower.catchUp()
  const earlier = (await checkpointIfDue(db.sql, policy, { force: true }))!
  fs.writeFileSync(path.join(dir, 'earlier.txt'), earlier.note)
  const { number } = await activeCertificate(app, 1)
  await follower.catchUp()
  const now = (await checkpointIfDue(db.sql, policy, { force: true }))!
  const out = path.join(dir, 'export.ndjson')
  await exportMunicipality(store, {
    municipality: MUNICIPALITY,
    selection: { by: 'business', from: '2000-01-01', to: '2099-12-31' },
    out,
    cutAt: { checkpoint: now, key, origin: 'test/ledger' },
  })
  const log = new TransparencyLog(db.sql, key.verifier, 'test/ledger', follower, policy)
  fs.writeFileSync(path.join(dir, 'proof.json'), JSON.stringify(await log.consistency(earlier.size, now.size)))

  const args = [
    out,
    '--key',
    key.verifier.text,
    '--since',
    path.join(dir, 'earlier.txt'),
    '--proof',
    path.join(dir, 'proof.json'),
    '--stream',
    `certificate-${number}`,
  ]
  const good = await node(args)
  t.equal(good.code, 0, good.stdout + good.stderr)
  t.match(good.stdout, /consistent with the earlier checkpoint: the ledger only appended \(\d+ → \d+ events\)/)
  t.match(good.stdout, new RegExp(`\\d+ events of certificate-${number} proved included in the signed tree`))
  t.match(good.stdout, /everything holds\n$/)

  // A kopeck changed, the hashes and the manifest recomputed the way a forger would.
  const lines = fs.readFileSync(out, 'utf8').split('\n').filter(Boolean)
  const i = lines.findIndex((l) => l.includes('"NominalCredited"'))
  const e = JSON.parse(lines[i]!)
  e.data.amount += 1
  lines[i] = JSON.stringify(e)
  const body = `${lines.join('\n')}\n`
  const tampered = path.join(dir, 'tampered.ndjson')
  fs.writeFileSync(tampered, body)
  const manifest = JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8'))
  fs.writeFileSync(`${tampered}.manifest.json`, JSON.stringify({ ...manifest, sha256: crypto.createHash('sha256').update(body).digest('hex') }))
  const bad = await node([tampered, '--key', key.verifier.text])
  t.equal(bad.code, 1)
  t.match(bad.stdout, new RegExp(`FAIL  line ${i + 1} \\(certificate-${number} position \\d+, event ${e.eventId}\\): its content does not hash to its hash`))
  t.match(bad.stdout, /FAIL {2}the file is not the one the ledger signed/)

  // A checkpoint of another history of the same size as the earlier one: the proof does not hold.
  const forkedRoot = Buffer.alloc(32, 9)
  fs.writeFileSync(path.join(dir, 'forked.txt'), signCheckpoint({ origin: 'test/ledger', size: earlier.size, root: forkedRoot }, key))
  const forked = await node([out, '--key', key.verifier.text, '--since', path.join(dir, 'forked.txt')])
  t.equal(forked.code, 1)
  t.match(forked.stdout, /FAIL {2}the ledger rewrote history/)
})
