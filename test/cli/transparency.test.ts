import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { Application } from '../../src/app/context.ts'
import { openDatabase } from '../../src/db/database.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/transparency/merkle.ts'
import { openCheckpoint, parseVerifierKey } from '../../src/transparency/note.ts'
import { runCli } from '../helpers/cli.ts'
import { createServerDatabase, onServer } from '../helpers/database.ts'
import { events } from '../helpers/events.ts'
import { activeCertificate, MUNICIPALITY, smallWorld } from '../helpers/world.ts'

// The transparency log from the command line: a key made by `keys create`, `serve` refusing an external database
// without one, and checkpoints and proofs an auditor checks with the published key alone.

function tmp(t: Test) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-tlog-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function ledgerEnv(t: Test): Promise<Record<string, string>> {
  if (onServer) return { DATABASE_URL: await createServerDatabase(t) }
  return { LEDGER_DATA_DIR: path.join(tmp(t), 'data') }
}

t.test('keys create writes a key file once and prints its verifier key', async (t) => {
  const file = path.join(tmp(t), 'key')
  const made = await runCli(['keys', 'create', '--out', file, '--name', 'audit.example/pfdo'], {})
  t.equal(made.code, 0, made.stderr)
  t.match(made.stdout, /^audit\.example\/pfdo\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*\n$/)
  t.match(fs.readFileSync(file, 'utf8'), /^PRIVATE\+KEY\+audit\.example\/pfdo\+/)
  t.equal(fs.statSync(file).mode & 0o077, 0, 'readable by its owner alone')
  const again = await runCli(['keys', 'create', '--out', file], {})
  t.equal(again.code, 2)
  t.match(again.stderr, /exists; a signing key is never overwritten/)
  const pub = await runCli(['keys', 'public'], { LEDGER_SIGNING_KEY_FILE: file })
  t.equal(pub.stdout, made.stdout)
})

t.test('serve on an external database without a key stops with one line naming keys create', { skip: onServer ? false : 'server only' }, async (t) => {
  const env = await ledgerEnv(t)
  const res = await runCli(['serve'], { ...env, PORT: '0' })
  t.equal(res.code, 1)
  t.match(res.stderr, /^ledger: no key to sign the transparency log with .*`ledger keys create --out FILE`.*\n$/)
  t.equal(res.stderr.trim().split('\n').length, 1)
})

t.test('checkpoint --sign, proof and consistency from the CLI verify with the published key', async (t) => {
  const env = await ledgerEnv(t)
  const keyFile = path.join(tmp(t), 'key')
  t.equal((await runCli(['keys', 'create', '--out', keyFile], env)).code, 0)
  const full = { ...env, LEDGER_SIGNING_KEY_FILE: keyFile }
  t.equal((await runCli(['migrate'], full)).code, 0)
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.LEDGER_DATA_DIR, poolSize: 2 })
  const store = new PostgresEventStore(db.sql)
  await store.append('test-1', events(4), { expectedVersion: 'no_stream' })
  await db.close()
  const dir = tmp(t)
  const first = await runCli(['transparency', 'checkpoint', '--sign', '--out', path.join(dir, 'a.txt')], full)
  t.equal(first.code, 0, first.stderr)
  const key = parseVerifierKey((await runCli(['transparency', 'key'], full)).stdout)
  const a = openCheckpoint(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8'), key)
  t.equal(a.size, 4)

  const db2 = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.LEDGER_DATA_DIR, poolSize: 2 })
  const store2 = new PostgresEventStore(db2.sql)
  await store2.append('test-2', events(3), { expectedVersion: 'no_stream' })
  const [e] = await store2.readStream('test-2', { from: 1, limit: 1 })
  await db2.close()
  const b = openCheckpoint((await runCli(['transparency', 'checkpoint', '--sign'], full)).stdout, key)
  t.equal(b.size, 7)
  const proof = JSON.parse((await runCli(['transparency', 'proof', e!.eventId], full)).stdout)
  t.ok(
    verifyInclusion(
      leafHash(e!.hash),
      proof.leafIndex,
      b.size,
      proof.proof.map((h: string) => Buffer.from(h, 'hex')),
      b.root,
    ),
  )
  const c = JSON.parse((await runCli(['transparency', 'consistency', '--from', '4', '--to', '7'], full)).stdout)
  t.ok(
    verifyConsistency(
      4,
      7,
      a.root,
      b.root,
      c.proof.map((h: string) => Buffer.from(h, 'hex')),
    ),
  )
  const bad = await runCli(['transparency', 'proof', 'nope'], full)
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^ledger: EVENT_ID: /)
  const help = await runCli(['transparency', '--help'], full)
  t.match(help.stdout, /consistency --from M/)
})

t.test('export is cut at a signed checkpoint; verify --file --key --since checks it offline', async (t) => {
  const env = await ledgerEnv(t)
  const dir = tmp(t)
  const keyFile = path.join(dir, 'key')
  const made = await runCli(['keys', 'create', '--out', keyFile], env)
  const full = { ...env, LEDGER_SIGNING_KEY_FILE: keyFile }
  t.equal((await runCli(['migrate'], full)).code, 0)
  const withLedger = async (work: (app: Application) => Promise<unknown>) => {
    const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.LEDGER_DATA_DIR, poolSize: 2 })
    try {
      await work(new Application(new PostgresEventStore(db.sql)))
    } finally {
      await db.close()
    }
  }
  await withLedger((app) => smallWorld(app))
  t.equal((await runCli(['transparency', 'checkpoint', '--sign', '--out', path.join(dir, 'earlier.txt')], full)).code, 0)
  await withLedger((app) => activeCertificate(app, 1))
  const out = path.join(dir, 'export.ndjson')
  const exported = await runCli(['export', '--municipality', MUNICIPALITY, '--from', '2000-01-01', '--to', '2099-12-31', '--out', out], full)
  t.equal(exported.code, 0, exported.stderr)
  t.match(exported.stdout, /cut at the signed checkpoint of \d+ events/)
  const key = made.stdout.trim()
  const verified = await runCli(['verify', '--file', out, '--key', key, '--since', path.join(dir, 'earlier.txt')], {})
  t.equal(verified.code, 0, verified.stdout + verified.stderr)
  t.match(verified.stdout, /everything holds/)
  const unnamed = await runCli(['verify', '--file', out], {})
  t.equal(unnamed.code, 0)
  t.match(unnamed.stderr, /warning: checked with the key the export names itself/)
  const other = await runCli(['keys', 'create', '--out', path.join(dir, 'other')], {})
  const refused = await runCli(['verify', '--file', out, '--key', other.stdout.trim()], {})
  t.equal(refused.code, 1)
  t.match(refused.stdout, /FIRST DISAGREEMENT \(checkpoint\).*does not verify/)
})
