import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { openDatabase } from '../../src/db/database.ts'
import { runCli } from '../helpers/cli.ts'
import { createServerDatabase, onServer } from '../helpers/database.ts'

// Issue 12 from the command line: a ledger cannot be opened by mistake, and the questions the README and the
// demo suggest (replay, export by business period) answer on a simulated year, or say plainly why they cannot.

async function ledgerEnv(t: Test) {
  if (onServer) return { DATABASE_URL: await createServerDatabase(t) }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-bt-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return { LEDGER_DATA_DIR: path.join(dir, 'data') }
}

const oneLine = (text: string) => text.trim().split('\n').length === 1

t.test('a reading command on a place without a ledger stops with one line and creates nothing', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-typo-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const typo = path.join(dir, '.ledger-dem')
  for (const args of [
    ['verify'],
    ['replay', '--as-of', '2023-12-31'],
    ['projections', 'status'],
    ['export', '--municipality', 'm', '--from', '2023-09-01', '--to', '2024-06-30', '--out', path.join(dir, 'x.ndjson')],
  ]) {
    const r = await runCli(args, { LEDGER_DATA_DIR: typo })
    t.equal(r.code, 1, `${args[0]}: non-zero exit`)
    t.ok(oneLine(r.stderr), `${args[0]}: one line`)
    t.match(
      r.stderr,
      new RegExp(`^ledger: no ledger in ${typo.replace(/[/.]/g, '\\$&')} \\(LEDGER_DATA_DIR\\); run \`ledger migrate\``),
      `${args[0]}: names where it looked`,
    )
    t.notOk(fs.existsSync(typo), `${args[0]}: no ledger was created there`)
  }
  if (onServer) {
    const url = await createServerDatabase(t)
    const r = await runCli(['verify'], { DATABASE_URL: url })
    t.equal(r.code, 1)
    t.match(r.stderr, /^ledger: no ledger in the database ledger_test_\w+ on 127\.0\.0\.1:5432; run `ledger migrate`/)
    const db = await openDatabase({ databaseUrl: url, poolSize: 1 })
    t.teardown(() => db.close())
    const [row] = await db.sql<{ found: boolean }[]>`SELECT to_regclass('ledger.events') IS NOT NULL AS found`
    t.equal(row!.found, false, 'the database is left as it was')
  }
})

t.test('replay and export answer by business date on a simulated year; impossible questions say so', async (t) => {
  const env = await ledgerEnv(t)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-bt-out-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))

  t.equal((await runCli(['migrate'], env)).code, 0)
  const empty = await runCli(['replay', '--as-of', '2023-12-31'], env)
  t.equal(empty.code, 1, 'a replay with no events is not a success')
  t.match(empty.stderr, /^ledger: no events on or before 2023-12-31: the log is empty\n$/)
  const russian = await runCli(['replay', '--as-of', '31.12.2023'], env)
  t.equal(russian.code, 2)
  t.match(russian.stderr, /^ledger: --as-of: "31\.12\.2023" is not a valid date \(YYYY-MM-DD\): write 31\.12\.2023 as 2023-12-31/)

  // The simulated year of the demo, 2 % of it: recorded today, dated 2023/24.
  const sim = await runCli(['simulate', '--scenario', 'tambov-2023', '--scale', '0.02', '--seed', '3'], env)
  t.equal(sim.code, 0, sim.stderr)

  const replay = await runCli(['replay', '--as-of', '2023-12-31'], env)
  t.equal(replay.code, 0, replay.stderr)
  const answer = JSON.parse(replay.stdout)
  t.equal(answer.asOf, '2023-12-31')
  t.ok(answer.events > 0, `events folded (${answer.events})`)
  t.ok(answer.projections['certificate-balances'].certificates > 0, 'certificates on 31 December')
  t.ok(answer.projections['provider-invoices'].invoices > 0, 'invoices issued by then')
  const later = JSON.parse((await runCli(['replay', '--as-of', '2024-06-30'], env)).stdout)
  t.ok(later.events > answer.events, 'more is true by June than by December')
  t.ok(later.projections['provider-invoices'].invoices > answer.projections['provider-invoices'].invoices)

  const before = await runCli(['replay', '--as-of', '2020-01-01'], env)
  t.equal(before.code, 1)
  t.match(before.stderr, /^ledger: no events on or before 2020-01-01: the log's first business date is 2023-\d\d-\d\d\n$/)

  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: (env as { LEDGER_DATA_DIR?: string }).LEDGER_DATA_DIR, poolSize: 1 })
  const [cert] = await db.sql<
    { n: string; issued: string }[]
  >`SELECT data->>'certificateNumber' AS n, data->>'issuedOn' AS issued FROM ledger.events WHERE type = 'CertificateIssued' ORDER BY global_position LIMIT 1`
  await db.close()
  const one = await runCli(['replay', '--as-of', '2023-12-31', '--certificate', cert!.n], env)
  t.equal(one.code, 0, one.stderr)
  t.equal(JSON.parse(one.stdout).certificate.certificateNumber, cert!.n)
  const tooEarly = await runCli(['replay', '--as-of', '2023-01-01', '--certificate', cert!.n], env)
  t.equal(tooEarly.code, 1)
  t.match(tooEarly.stderr, new RegExp(`it was issued on ${cert!.issued}`))

  const out = path.join(dir, 'year.ndjson')
  const exported = await runCli(['export', '--municipality', 'tambov-district', '--from', '2023-09-01', '--to', '2024-06-30', '--out', out], env)
  t.equal(exported.code, 0, exported.stderr)
  const manifest = JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8'))
  t.ok(manifest.events > 0 && manifest.eventsInPeriod > 0, `${manifest.events} events exported`)
  t.equal(manifest.selectedBy, 'business')
  t.equal((await runCli(['verify', '--file', out], {})).code, 0, 'the export verifies offline')
  const none = path.join(dir, 'none.ndjson')
  const nothing = await runCli(['export', '--municipality', 'tambov-district', '--from', '2020-01-01', '--to', '2020-12-31', '--out', none], env)
  t.equal(nothing.code, 1, 'an export of nothing is not a success')
  t.match(nothing.stderr, /^ledger: municipality tambov-district has no events dated 2020-01-01\.\.2020-12-31; nothing was written\n$/)
  t.notOk(fs.existsSync(none), 'and writes no file')
  const recorded = await runCli(
    ['export', '--municipality', 'tambov-district', '--recorded-from', '2000-01-01', '--recorded-to', '2099-12-31', '--out', path.join(dir, 'rec.ndjson')],
    env,
  )
  t.equal(recorded.code, 0, 'by recorded time, under its own options')
  t.match(recorded.stdout, /recorded 2000-01-01\.\.2099-12-31/)
})
