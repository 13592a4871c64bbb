import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { findCaller } from '../../src/auth/tokens.ts'
import { openDatabase } from '../../src/db/database.ts'
import { runCli, startCli } from '../helpers/cli.ts'
import { createServerDatabase, onServer } from '../helpers/database.ts'
import { signingKeyEnv } from '../helpers/signing-key.ts'

/** Where the CLI keeps its ledger in this test: a fresh server database, or a fresh embedded directory. */
async function ledgerEnv(t: Test): Promise<{ DATABASE_URL?: string; LEDGER_DATA_DIR?: string; LEDGER_SIGNING_KEY_FILE?: string }> {
  if (onServer) return { DATABASE_URL: await createServerDatabase(t), ...signingKeyEnv(t) }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-'))
  t.teardown(() => {
    fs.rmSync(dir, { recursive: true, force: true })
    // serve makes the transparency log's key beside the data directory
    fs.rmSync(`${dir}.signing-key`, { force: true })
  })
  return { LEDGER_DATA_DIR: dir }
}

const oneLine = (text: string) => text.trim().split('\n').length === 1

t.test('unknown commands and bad configuration: one line, non-zero exit', async (t) => {
  const unknown = await runCli(['frobnicate'], {})
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /^ledger: unknown command "frobnicate"/)
  t.ok(oneLine(unknown.stderr))

  const badPort = await runCli(['serve'], { PORT: 'eighty' })
  t.equal(badPort.code, 2)
  t.equal(badPort.stderr, 'ledger: invalid configuration: PORT must be an integer between 0 and 65535 (got "eighty")\n')

  const badUrl = await runCli(['migrate'], { DATABASE_URL: 'mysql://localhost/x' })
  t.equal(badUrl.code, 2)
  t.match(badUrl.stderr, /^ledger: invalid configuration: DATABASE_URL /)

  const badRole = await runCli(['tokens', 'create', '--role', 'mayor'], {})
  t.equal(badRole.code, 2)
  t.match(badRole.stderr, /^ledger: --role must be one of operator, payer, provider, auditor, reporting\n$/)
})

t.test('migrate, then tokens create prints the token alone and stores only its hash', async (t) => {
  const env = await ledgerEnv(t)
  const first = await runCli(['migrate'], env)
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /applied 0001_event_store/)
  const again = await runCli(['migrate'], env)
  t.equal(again.code, 0)
  t.match(again.stdout, /^0 applied, \d+ already applied/m, 'safe to run twice')

  const created = await runCli(['tokens', 'create', '--role', 'provider', '--provider', 'P-17'], env)
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /^lgr_[A-Za-z0-9_-]{43}\n$/, 'the token alone on stdout')
  const token = created.stdout.trim()

  const missingScope = await runCli(['tokens', 'create', '--role', 'payer'], env)
  t.equal(missingScope.code, 2)
  t.equal(missingScope.stderr, 'ledger: a payer token needs --payer ID\n')

  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.LEDGER_DATA_DIR, poolSize: 1 })
  t.teardown(() => db.close())
  t.match(await findCaller(db.sql, token), { role: 'provider', providerId: 'P-17' })
  const stored = await db.sql`SELECT token_hash FROM ledger.api_tokens`
  t.notOk(JSON.stringify(stored).includes(token), 'the token itself is not stored')
})

t.test('serve answers, then stops cleanly on SIGTERM', async (t) => {
  const env = await ledgerEnv(t)
  const server = startCli(['serve'], { ...env, PORT: '0', LOG_LEVEL: 'info' })
  let log = ''
  server.stdout!.on('data', (d) => (log += d))
  server.stderr!.on('data', (d) => (log += d))
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)))
  const deadline = Date.now() + 60_000
  let url: string | undefined
  while (!url && Date.now() < deadline) {
    url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1]
    await new Promise((r) => setTimeout(r, 100))
  }
  t.ok(url, 'the server reports where it listens')
  const ready = await fetch(`${url}/ready`)
  t.equal(ready.status, 200, 'ready: migrations applied at start')
  const lines = log
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; req?: unknown })
  t.ok(
    lines.some((l) => l.msg === 'incoming request'),
    'pino request logs',
  )

  server.kill('SIGTERM')
  t.equal(await exited, 0, 'exit code 0')
  t.match(log, /"msg":"stopped"/)
  await t.rejects(fetch(`${url}/health`), 'no longer listening')
})

t.test('the embedded database refuses a second process while one holds it', { skip: onServer ? 'embedded only' : false }, async (t) => {
  const env = await ledgerEnv(t)
  const server = startCli(['serve'], { ...env, PORT: '0', LOG_LEVEL: 'info' })
  let log = ''
  server.stdout!.on('data', (d) => (log += d))
  const exited = new Promise((resolve) => server.on('exit', resolve))
  const deadline = Date.now() + 60_000
  while (!log.includes('Server listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  const second = await runCli(['migrate'], env)
  t.equal(second.code, 1)
  t.match(second.stderr, new RegExp(`^ledger: the embedded database in .* is in use by process ${server.pid};`))
  server.kill('SIGTERM')
  await exited
  const after = await runCli(['migrate'], env)
  t.equal(after.code, 0, 'free again once the first process stopped')
})
