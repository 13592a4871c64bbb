import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { Application, systemMetadata } from '../../src/app/context.ts'
import { openFinancingPeriod } from '../../src/app/registry.ts'
import { findCaller } from '../../src/auth/tokens.ts'
import { openDatabase } from '../../src/db/database.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
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

t.test('each command answers --help with its own options, touching no database', async (t) => {
  const nowhere = path.join(os.tmpdir(), `ledger-help-${process.pid}`)
  for (const [command, option] of [
    ['tokens', '--expires'],
    ['settle', '--closed-on'],
    ['export', '--municipality'],
    ['verify', '--skip-projections'],
  ] as const) {
    const help = await runCli([command, '--help'], { LEDGER_DATA_DIR: nowhere })
    t.equal(help.code, 0, `${command} --help: ${help.stderr}`)
    t.match(help.stdout, new RegExp(`^usage: ledger ${command} `), `${command} --help names the command`)
    t.ok(help.stdout.includes(option), `${command} --help lists ${option}`)
    t.notMatch(help.stdout, /^ {2}(serve|quote) /m, `${command} --help leaves the other commands out`)
  }
  t.notOk(fs.existsSync(nowhere), 'no ledger was opened or created for --help')
  const unknown = await runCli(['help', 'frobnicate'], {})
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /^ledger: unknown command "frobnicate"/)
})

t.test('migrate, then tokens create prints the token alone and stores only its hash', async (t) => {
  const env = await ledgerEnv(t)
  const first = await runCli(['migrate'], env)
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /applied 0001_event_store/)
  const again = await runCli(['migrate'], env)
  t.equal(again.code, 0)
  t.match(again.stdout, /^0 applied, \d+ already applied/m, 'safe to run twice')

  const unknownProvider = await runCli(['tokens', 'create', '--role', 'provider', '--provider', 'P-17'], env)
  t.equal(unknownProvider.code, 2, 'a provider the registry does not know')
  t.match(unknownProvider.stderr, /^ledger: no provider P-17 in the registry/)
  t.ok(oneLine(unknownProvider.stderr))
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-providers-')), 'providers.csv')
  fs.writeFileSync(file, 'provider_id;municipality;name;kind\nP-17;tambov;Центр;municipal\n')
  t.equal((await runCli(['import', 'providers', '--file', file], env)).code, 0)
  const created = await runCli(['tokens', 'create', '--role', 'provider', '--provider', 'P-17'], env)
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /^lgr_[A-Za-z0-9_-]{43}\n$/, 'the token alone on stdout')
  const token = created.stdout.trim()

  const missingScope = await runCli(['tokens', 'create', '--role', 'payer'], env)
  t.equal(missingScope.code, 2)
  t.equal(missingScope.stderr, 'ledger: a payer token needs --payer ID\n')

  const unknownPayer = await runCli(['tokens', 'create', '--role', 'payer', '--payer', 'payer-9'], env)
  t.equal(unknownPayer.code, 2)
  t.match(unknownPayer.stderr, /^ledger: no payer payer-9: neither registered .* nor named by a financing period\n$/)
  const pastExpiry = await runCli(['tokens', 'create', '--role', 'auditor', '--expires', '2001-01-01'], env)
  t.equal(pastExpiry.code, 2)
  t.equal(pastExpiry.stderr, 'ledger: the expiry must lie in the future\n')
  const expiring = await runCli(['tokens', 'create', '--role', 'auditor', '--label', 'ревизор', '--expires', '2099-01-01'], env)
  t.equal(expiring.code, 0, expiring.stderr)

  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.LEDGER_DATA_DIR, poolSize: 1 })
  t.match(await findCaller(db.sql, token), { role: 'provider', providerId: 'P-17' })
  const stored = await db.sql`SELECT token_hash FROM ledger.api_tokens`
  t.notOk(JSON.stringify(stored).includes(token), 'the token itself is not stored')
  const [{ token_id: tokenId } = { token_id: '' }] = await db.sql<{ token_id: string }[]>`SELECT token_id FROM ledger.api_tokens WHERE provider_id = 'P-17'`
  await db.close() // the embedded database admits one process at a time

  const listed = await runCli(['tokens', 'list', '--json'], env)
  t.equal(listed.code, 0, listed.stderr)
  t.match(JSON.parse(listed.stdout), [
    { tokenId, role: 'provider', providerId: 'P-17', state: 'active', expiresAt: null },
    { role: 'auditor', label: 'ревизор', state: 'active', expiresAt: '2099-01-01T00:00:00.000Z' },
  ])
  t.notOk(listed.stdout.includes(token), 'a list never shows a token itself')
  const revoked = await runCli(['tokens', 'revoke', tokenId], env)
  t.equal(revoked.code, 0, revoked.stderr)
  t.match(revoked.stdout, new RegExp(`^revoked ${tokenId} \\(provider P-17\\)`))
  const table = await runCli(['tokens', 'list', '--all'], env)
  t.match(table.stdout, new RegExp(`${tokenId}\\s+provider P-17\\s+revoked`), 'the revoked token listed as revoked')
  t.notMatch((await runCli(['tokens', 'list'], env)).stdout, tokenId, 'and no longer among those that authenticate')
  const unknown = await runCli(['tokens', 'revoke', '00000000-0000-4000-8000-000000000000'], env)
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /^ledger: no token has the id 00000000-0000-4000-8000-000000000000; .*\n$/)

  // A period names payer-9 before the registry knows it: a token for it is made, as before issue 15.
  const db3 = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.LEDGER_DATA_DIR, poolSize: 1 })
  await openFinancingPeriod(
    new Application(new PostgresEventStore(db3.sql)),
    { metadata: systemMetadata('test', 'cli') },
    {
      municipality: 'tambov',
      periodId: '2024',
      startDate: '2024-09-01',
      endDate: '2025-08-31',
      nominal: 100,
      financingCap: 1,
      nominalLimit: null,
      payerId: 'payer-9',
    },
  )
  await db3.close()
  const periodPayer = await runCli(['tokens', 'create', '--role', 'payer', '--payer', 'payer-9'], env)
  t.equal(periodPayer.code, 0, periodPayer.stderr)
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
