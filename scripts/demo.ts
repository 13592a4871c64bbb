// `npm run demo`: a municipality's school year on the embedded database, with nothing else installed. Simulates
// the Tambov district 2023/24 through the ledger's commands, closes every month, verifies the ledger and prints
// what a payer and a support centre look at. The year is kept in .ledger-demo/ (made anew on every run) to explore
// afterwards with `LEDGER_DATA_DIR=.ledger-demo npx ledger …`. With DATABASE_URL it runs on that server instead.
// With `--serve` (`npm run demo -- --serve`) it then keeps the API and the workspace running on the year, printing
// the address and a sign-in token for each role, until Ctrl-C.
import fs from 'node:fs'
import { verifyLedger } from '../src/audit/verify.ts'
import { createToken } from '../src/auth/tokens.ts'
import { serveUntilSignal } from '../src/cli/commands/serve.ts'
import { simulateYear, summary } from '../src/cli/commands/simulate.ts'
import { formatVerifyReport } from '../src/cli/commands/verify.ts'
import { openRuntime } from '../src/cli/runtime.ts'
import { formatReport } from '../src/simulation/report.ts'
import { SCENARIOS } from '../src/simulation/scenarios.ts'
import { checkpointPolicy, signingKeyOf } from '../src/transparency/keys.ts'
import { checkpointIfDue, TreeFollower } from '../src/transparency/tree.ts'

const serve = process.argv.slice(2).includes('--serve')
const unknown = process.argv.slice(2).filter((a) => a !== '--serve')
if (unknown.length > 0) {
  process.stderr.write(`demo: unknown argument ${unknown[0]} (the only option is --serve)\n`)
  process.exit(2)
}
const started = Date.now()
const DEMO_DIR = '.ledger-demo'
if (!process.env.DATABASE_URL && !process.env.LEDGER_DATA_DIR) {
  fs.rmSync(DEMO_DIR, { recursive: true, force: true })
  // A new ledger, a new key: the same key over two different logs would look like a fork to an auditor.
  fs.rmSync(`${DEMO_DIR}.signing-key`, { force: true })
  process.env.LEDGER_DATA_DIR = DEMO_DIR
}
const scenario = SCENARIOS['tambov-2023']!
const out = (text = '') => process.stdout.write(`${text}\n`)
const runtime = await openRuntime({ create: true })
try {
  out(`PFDO ledger demo: ${scenario.title}`)
  out(`on the ${runtime.db.kind} database (${runtime.config.DATABASE_URL ? 'DATABASE_URL' : runtime.config.LEDGER_DATA_DIR})`)
  out()
  const { result, report: year } = await simulateYear(runtime, scenario, 1)
  out(summary(result))
  out()
  out(formatReport(year, scenario))
  out()
  // The transparency log: the tree over the year's events and a signed checkpoint of it.
  const signing = signingKeyOf(runtime.config, { create: true })
  const policy = checkpointPolicy(runtime.config, signing.key)
  await new TreeFollower(runtime.db.sql, runtime.store).catchUp()
  const checkpoint = await checkpointIfDue(runtime.db.sql, policy, { force: true })
  out(`Transparency log: checkpoint of ${checkpoint?.size ?? 0} events signed by ${signing.key.verifier.text}`)
  if (signing.created) out(`  (a new signing key: ${signing.created})`)
  out()
  const tty = process.stderr.isTTY
  const verifyStarted = Date.now()
  const report = await verifyLedger(runtime.db.sql, runtime.store, { onProgress: (n) => tty && process.stderr.write(`\rverifying: ${n} events read`) })
  if (tty) process.stderr.write('\n')
  out(`Verify: ${formatVerifyReport(report, (Date.now() - verifyStarted) / 1000)}`)
  out()
  out(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Explore the year:`)
  const env = runtime.config.DATABASE_URL ? '' : `LEDGER_DATA_DIR=${runtime.config.LEDGER_DATA_DIR} `
  // A certificate that paid for lessons, to ask about by a business date of the year.
  const [example] = await runtime.db.sql<
    { n: string }[]
  >`SELECT certificate_number AS n FROM reporting.certificate_balances WHERE spent > 0 ORDER BY certificate_number LIMIT 1`
  out(`  ${env}npx ledger replay --as-of 2023-12-31                     every read model on 31 December 2023`)
  if (example) out(`  ${env}npx ledger replay --as-of 2023-12-31 --certificate ${example.n}   one certificate on that day`)
  out(`  ${env}npx ledger export --municipality ${scenario.municipality} --from 2023-09-01 --to 2024-06-30 --out year.ndjson`)
  out(`  ${env}npx ledger tokens create --role auditor                   a token for the API`)
  out(`  ${env}npx ledger serve                                          the API; /docs browses it`)
  out(`  ${env}npx ledger transparency checkpoint --out checkpoint.txt     the signed checkpoint an auditor keeps`)
  out(`  ${env}npx ledger verify`)
  process.exitCode = report.ok ? 0 : 1
} catch (error) {
  await runtime.close()
  throw error
}
if (serve) await serveWorkspace()
else await runtime.close()

/** Keeps the API and the workspace running on the demo's year, with a sign-in token for each role. */
async function serveWorkspace() {
  const sql = runtime.db.sql
  const [payer] = await sql<{ id: string }[]>`SELECT payer_id AS id FROM reporting.financing_periods ORDER BY start_date LIMIT 1`
  const [provider] = await sql<
    { id: string }[]
  >`SELECT provider_id AS id FROM reporting.provider_invoices GROUP BY provider_id ORDER BY count(*) DESC, provider_id LIMIT 1`
  const tokens: [string, string][] = []
  for (const role of ['operator', 'payer', 'provider', 'auditor', 'reporting'] as const) {
    const scope = role === 'payer' ? { payerId: payer?.id ?? null } : role === 'provider' ? { providerId: provider?.id ?? null } : {}
    if (Object.values(scope).includes(null)) continue
    const { token } = await createToken(sql, { role, ...scope, label: `demo ${role}` })
    tokens.push([role, token])
  }
  await serveUntilSignal(runtime, (url) => {
    out()
    out(`The workspace: ${url}/ (sign in with one of these tokens; Ctrl-C stops it)`)
    for (const [role, token] of tokens) out(`  ${role.padEnd(10)} ${token}`)
  })
}
