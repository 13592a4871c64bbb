import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { runCli } from '../helpers/cli.ts'
import { createServerDatabase, onServer } from '../helpers/database.ts'

// The CLI's edges obey the rule every request obeys: text the database cannot store (a NUL) in an imported
// registry or bank statement is refused in one line naming the file, the line and the field, and nothing of it
// is recorded.

async function ledger(t: Test) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-unstorable-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const env = onServer ? { DATABASE_URL: await createServerDatabase(t) } : { LEDGER_DATA_DIR: path.join(dir, 'data') }
  const migrated = await runCli(['migrate'], env)
  t.equal(migrated.code, 0, migrated.stderr)
  return { dir, env }
}

t.test('a registry row with a NUL is rejected by line and column; the other rows are imported', async (t) => {
  const { dir, env } = await ledger(t)
  const file = path.join(dir, 'providers.csv')
  fs.writeFileSync(file, 'provider_id;municipality;name;kind\ncdt;tambov;ЦДТ;municipal\nart;tambov;Арт\u0000студия;private\n')
  const run = await runCli(['import', 'providers', '--file', file], env)
  t.equal(run.code, 1, 'a rejected row makes the exit non-zero')
  t.equal(run.stderr, `${file}:3: row_invalid: name: contains a NUL character (U+0000), which cannot be stored\n`, 'one line: file, line, field')
  t.equal(run.stdout, '2 rows: 1 imported, 0 already imported, 1 rejected\n')
})

t.test('a bank statement with a NUL in a payment order is refused before anything is recorded', async (t) => {
  const { dir, env } = await ledger(t)
  const file = path.join(dir, 'statement.txt')
  const lines = [
    '1CClientBankExchange',
    'ВерсияФормата=1.03',
    'Кодировка=Windows',
    'СекцияДокумент=Платежное поручение',
    'Номер=11\u00007',
    'Дата=12.11.2024',
    'Сумма=621.88',
    'ПлательщикСчет=40204810000000000001',
    'НазначениеПлатежа=Оплата по счёту № F-2024-10-m-p-q',
    'КонецДокумента',
    'КонецФайла',
    '',
  ]
  fs.writeFileSync(file, lines.join('\r\n'))
  const run = await runCli(['import', 'payments', '--file', file], env)
  t.equal(run.code, 2)
  t.equal(run.stderr, `ledger: ${file}:5: Номер contains a NUL character (U+0000), which cannot be stored\n`, 'one line: file, line, field')
  t.equal(run.stdout, '')
})
