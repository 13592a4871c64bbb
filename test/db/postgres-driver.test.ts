import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { driverPatched } from '../../src/db/database.ts'
import { repoRoot, runNode } from '../helpers/cli.ts'
import { fakePostgres } from '../helpers/fake-postgres.ts'

// postgres.js 3.4.9 dereferences a null socket in `nextWrite` when a write follows the close of its connection
// (porsager/postgres#1154, #1208): the ROLLBACK `sql.begin` sends after its query failed is such a write, and the
// TypeError, thrown from a setImmediate, kills the process. `scripts/patch-postgres.mjs` (postinstall) guards it.

const script = path.join(repoRoot, 'scripts/patch-postgres.mjs')

t.test('a transaction whose connection closes mid-way fails with CONNECTION_CLOSED, and the process lives on', async (t) => {
  // The first connection closes as soon as the transaction's first statement arrives; later ones answer.
  const server = await fakePostgres((connection, type) => (connection === 1 && type === 'P' ? 'close' : 'answer'))
  t.teardown(() => server.close())
  const child = `
    import postgres from 'postgres'
    const sql = postgres({ host: '127.0.0.1', port: ${server.port}, max: 1, fetch_types: false, onnotice() {} })
    const transaction = await sql.begin((tx) => tx\`select 1\`).then(() => 'committed', (e) => e.code)
    await new Promise((resolve) => setTimeout(resolve, 50)) // the driver's scheduled write runs meanwhile
    const next = await sql\`select 1\`.then(() => 'answered', (e) => e.code)
    await sql.end({ timeout: 1 })
    console.log(JSON.stringify({ transaction, next }))`
  const run = await runNode(['--input-type=module', '-e', child], { PATH: process.env.PATH })
  t.notMatch(run.stderr, /TypeError/, 'no TypeError escapes the driver')
  t.equal(run.code, 0, `the process ends normally: ${run.stderr.split('\n').slice(0, 6).join(' | ')}`)
  t.same(
    JSON.parse(run.stdout.trim() || 'null'),
    { transaction: 'CONNECTION_CLOSED', next: 'answered' },
    'the transaction fails as a closed connection; the pool reconnects for the next query',
  )
})

t.test('the installed driver carries the patch', async (t) => {
  const run = await runNode([script, '--check'], { PATH: process.env.PATH })
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /already patched/)
  t.equal(driverPatched(), true, 'and serve, which warns when it does not, sees it')
})

// The text of nextWrite in postgres 3.4.9, as the upstream file has it.
const UPSTREAM = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)
    nextWriteTimer !== null && clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null
    return x
  }
`

function fakePackage(t: { teardown(fn: () => void): void }, body: string): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-patch-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'postgres', version: '3.4.9' }))
  fs.mkdirSync(path.join(dir, 'src'))
  const file = path.join(dir, 'src/connection.js')
  fs.writeFileSync(file, `import { Errors } from './errors.js'\n\nfunction Connection() {\n${body}\n  function error() {}\n}\n`)
  return { dir, file }
}

t.test('the patch applies once, is idempotent, and refuses a file that no longer looks as expected', async (t) => {
  const { dir, file } = fakePackage(t, UPSTREAM)
  const unpatchedCheck = await runNode([script, '--check', dir], { PATH: process.env.PATH })
  t.equal(unpatchedCheck.code, 1, '--check fails on an unpatched package')
  t.match(unpatchedCheck.stderr, /is not patched/)

  const first = await runNode([script, dir], { PATH: process.env.PATH })
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /patched nextWrite \(postgres 3\.4\.9\)/)
  const patched = fs.readFileSync(file, 'utf8')
  t.match(patched, /if \(!socket\) \{/, 'nextWrite now checks the socket')
  t.match(patched, /error\(Errors\.connection\('CONNECTION_CLOSED', options\)\)/, 'and fails the queries as a closed connection')

  const second = await runNode([script, dir], { PATH: process.env.PATH })
  t.equal(second.code, 0, second.stderr)
  t.match(second.stdout, /already patched/)
  t.equal(fs.readFileSync(file, 'utf8'), patched, 'running it again changes nothing')

  const changed = fakePackage(t, UPSTREAM.replace('const x = socket.write(chunk, fn)', 'const x = socket && socket.write(chunk, fn)'))
  const refused = await runNode([script, changed.dir], { PATH: process.env.PATH })
  t.equal(refused.code, 1, 'a file that changed upstream stops the install')
  t.match(refused.stderr, new RegExp(`${changed.file.replaceAll('/', '\\/')} \\(postgres 3\\.4\\.9\\) no longer contains the one unguarded nextWrite`))
  t.equal(fs.readFileSync(changed.file, 'utf8').includes('pfdo-ledger'), false, 'and is left as it was')
})
