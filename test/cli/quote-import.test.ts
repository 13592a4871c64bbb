import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { runCli } from '../helpers/cli.ts'
import { createServerDatabase, onServer } from '../helpers/database.ts'

t.test('ledger quote: the worked example, and bad input as one line with a non-zero exit', async (t) => {
  const args = [
    'quote',
    '--group-start',
    '2024-09-01',
    '--group-end',
    '2025-05-31',
    '--start',
    '2024-10-15',
    '--price',
    '9000.00',
    '--normative',
    '7000.00',
    '--balance',
    '7760.00',
  ]
  const ok = await runCli(args, {})
  t.equal(ok.code, 0, ok.stderr)
  t.same(JSON.parse(ok.stdout), {
    days: 229,
    months: 8,
    all: '7549.46',
    normative: '5871.80',
    certificate: '5871.80',
    parent: '1677.66',
    certificateFirstMonth: '435.95',
    certificateOtherMonth: '776.55',
    parentFirstMonth: '124.57',
    parentOtherMonth: '221.87',
  })
  const withEnd = await runCli([...args, '--end', '2024-10-31'], {})
  t.match(JSON.parse(withEnd.stdout), { days: 17, months: 1 }, '--end shortens the contract')
  for (const [flag, value, pattern] of [
    ['--start', '2024-13-01', /^ledger: --start: "2024-13-01" is not a date/],
    ['--start', '2025-06-01', /^ledger: the start 2025-06-01 is outside the group period/],
    ['--price', '-9000.00', /^ledger: --price: "-9000.00" is not an amount/],
    ['--balance', '7760.001', /^ledger: --balance: "7760.001" is not an amount/],
  ] as const) {
    const bad = await runCli(
      args.map((a, i) => (args[i - 1] === flag ? value : a)),
      {},
    )
    t.not(bad.code, 0, `${flag} ${value} fails`)
    t.match(bad.stderr, pattern)
    t.equal(bad.stderr.trim().split('\n').length, 1, 'in one line')
    t.equal(bad.stdout, '', 'and prints no number')
  }
  const lines = [
    { groupStart: '2024-09-01', groupEnd: '2025-05-31', start: '2024-10-15', price: '9000.00', normative: '7000.00', balance: '7760.00' },
    { groupStart: '2024-09-01', groupEnd: '2025-05-31', start: '2024-10-15', price: '9000.00', normative: '7000.00', balance: '1000.00' },
    { groupStart: '2024-09-01', groupEnd: '2025-05-31', start: '2024-10-15', price: '9000.00', normative: '7000.00', balance: '1000' },
  ]
  const stdin = await runCli(['quote', '--stdin'], {}, lines.map((l) => JSON.stringify(l)).join('\n') + '\n')
  t.equal(stdin.code, 1, 'a bad line makes the exit non-zero')
  const out = stdin.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  t.equal(out.length, 3, 'one result per line')
  t.equal(out[0].certificate, '5871.80')
  t.equal(out[1].certificate, '1000.00', 'the balance limits the certificate part')
  t.equal(out[1].parent, '6549.46')
  t.match(out[2], { error: { line: 3, code: 'amount_invalid' } })
  t.match(stdin.stderr, /^ledger: line 3: balance: "1000" is not an amount/)
})

t.test('ledger import: rejected rows by line, exit 1; a second run imports nothing', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-import-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const env = onServer ? { DATABASE_URL: await createServerDatabase(t) } : { LEDGER_DATA_DIR: path.join(dir, 'data') }
  const file = path.join(dir, 'providers.csv')
  fs.writeFileSync(file, 'provider_id;municipality;name;kind\ncdt;tambov;ЦДТ;municipal\nbad id;tambov;X;municipal\n')
  const noLedger = await runCli(['import', 'providers', '--file', file], env)
  t.equal(noLedger.code, 1, 'an import does not create a ledger')
  t.match(noLedger.stderr, /^ledger: no ledger in .*; run `ledger migrate`/)
  t.equal((await runCli(['migrate'], env)).code, 0)
  const first = await runCli(['import', 'providers', '--file', file], env)
  t.equal(first.code, 1, 'a rejected row makes the exit non-zero')
  t.equal(first.stdout, '2 rows: 1 imported, 0 already imported, 1 rejected\n')
  t.match(
    first.stderr,
    new RegExp(`^${file.replace(/[/.]/g, '\\$&')}:3: row_invalid: provider_id: an id has 1–64 letters, digits, dots, dashes or underscores\\n$`),
  )
  const second = await runCli(['import', 'providers', '--file', file], env)
  t.equal(second.stdout, '2 rows: 0 imported, 1 already imported, 1 rejected\n')
  const missing = await runCli(['import', 'providers', '--file', path.join(dir, 'nope.csv')], env)
  t.equal(missing.code, 2)
  t.match(missing.stderr, /^ledger: cannot read .*nope\.csv: ENOENT\n$/)
})
