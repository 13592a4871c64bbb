import crypto from 'node:crypto'
import postgres from 'postgres'
import t from 'tap'
import { runCli, startCli } from '../helpers/cli.ts'
import { freePort, ownCluster } from '../helpers/own-postgres.ts'
import { signingKeyEnv } from '../helpers/signing-key.ts'

// `ledger serve` against a PostgreSQL of this test's own, under load, while that database is stopped and started
// again: the process stays up, `/ready` says 503 within its own timeout, writes fail at once with a 503 problem
// instead of waiting, everything recovers by itself, and SIGTERM right after a restart ends the process.

const cluster = await ownCluster()
if (typeof cluster !== 'string') t.teardown(() => cluster.remove())

interface Outcome {
  status: number | 'error'
  code?: string
  ms: number
  retryAfter?: string | null
  contentType?: string | null
}

async function call(url: string, init: RequestInit = {}): Promise<Outcome> {
  const started = Date.now()
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) })
    const text = await res.text()
    let code: string | undefined
    try {
      code = (JSON.parse(text) as { code?: string }).code
    } catch {}
    return {
      status: res.status,
      ...(code ? { code } : {}),
      ms: Date.now() - started,
      retryAfter: res.headers.get('retry-after'),
      contentType: res.headers.get('content-type'),
    }
  } catch {
    return { status: 'error', ms: Date.now() - started }
  }
}

t.test('a database stopped and started under load', { skip: typeof cluster === 'string' ? cluster : false }, async (t) => {
  if (typeof cluster === 'string') return
  const env = { DATABASE_URL: cluster.url, ...signingKeyEnv(t) }
  const migrated = await runCli(['migrate'], env)
  t.equal(migrated.code, 0, migrated.stderr)
  const token = (await runCli(['tokens', 'create', '--role', 'operator'], env)).stdout.trim()

  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const server = startCli(['serve'], { ...env, PORT: String(port), LOG_LEVEL: 'info' })
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null
  const exited = new Promise<void>((resolve) =>
    server.on('exit', (code, signal) => {
      exit = { code, signal }
      resolve()
    }),
  )
  t.teardown(() => {
    if (!exit) server.kill('SIGKILL')
  })
  // Only the lines that matter: a crash, an uncaught error, the shutdown.
  const notable: string[] = []
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (/TypeError|uncaught|"msg":"stopped"|"level":60/i.test(line)) notable.push(line.slice(0, 500))
  }
  server.stdout!.on('data', keep)
  server.stderr!.on('data', keep)
  for (let i = 0; i < 600 && (await call(`${base}/health`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100))

  const write = () => {
    const providerId = `p-${crypto.randomUUID()}`
    return call(`${base}/v1/providers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ providerId, municipality: 'outage-town', name: 'Studio', kind: 'private' }),
    }).then((o) => ({ ...o, providerId }))
  }

  // Load: writers that never stop until the end, whatever the database does.
  let loading = true
  const outcomes: (Outcome & { providerId: string })[] = []
  const writers = Array.from({ length: 8 }, async () => {
    while (loading) {
      const o = await write()
      if (loading) outcomes.push(o) // a request cut by the shutdown proves nothing
    }
  })
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

  for (const [cycle, mode] of (['fast', 'immediate', 'fast'] as const).entries()) {
    await pause(1500)
    cluster.stop(mode)
    await pause(500)
    const ready = await call(`${base}/ready`)
    t.equal(ready.status, 503, `cycle ${cycle + 1} (${mode}): /ready is 503 while the database is away`)
    t.match(ready.contentType, /^application\/problem\+json/)
    t.ok(ready.ms < 8000, `and answers within its own 1 s timeout, with a margin (${ready.ms} ms)`)
    const refused = await write()
    t.equal(refused.status, 503, `a write while the database is away is 503 (${refused.code})`)
    t.equal(refused.code, 'database_unavailable')
    t.equal(refused.retryAfter, '1', 'with Retry-After')
    t.ok(refused.ms < 8000, `at once, not after the 15–20 s of a driver backing off (${refused.ms} ms)`)
    // The load goes on against the absent database (longer the last time: the driver's reconnect delays grow).
    await pause(cycle === 2 ? 4000 : 1000)
    if (cycle === 2) break
    cluster.start()
    let recovered: Outcome | null = null
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await pause(200)) {
      const o = await write()
      if (o.status === 201) {
        recovered = o
        break
      }
    }
    t.ok(recovered, `cycle ${cycle + 1}: writes succeed again once the database is back`)
    t.equal((await call(`${base}/ready`)).status, 200, 'and /ready is 200')
  }
  // The last restart, and SIGTERM at once while the load still runs: the process ends (once it logged "stopped"
  // and never exited: the driver reconnected after its pool had ended).
  cluster.start()
  t.equal(exit, null, 'the server process stayed up through every outage')
  server.kill('SIGTERM')
  loading = false
  const signalled = Date.now()
  const ended = await Promise.race([exited.then(() => true), pause(40_000).then(() => false)])
  t.comment(`SIGTERM to exit: ${Date.now() - signalled} ms`)
  await Promise.all(writers)
  t.ok(ended, 'SIGTERM after a database restart ends the process')
  t.same(exit, { code: 0, signal: null }, 'with exit code 0')
  t.same(
    notable.filter((l) => !/"msg":"stopped"/.test(l)),
    [],
    'no TypeError, no uncaught error, nothing fatal in its output',
  )
  t.ok(
    notable.some((l) => /"msg":"stopped"/.test(l)),
    'it logged "stopped"',
  )

  const byStatus: Record<string, number> = {}
  for (const o of outcomes) byStatus[`${o.status}${o.code ? ` ${o.code}` : ''}`] = (byStatus[`${o.status}${o.code ? ` ${o.code}` : ''}`] ?? 0) + 1
  t.comment(`writes under load: ${JSON.stringify(byStatus)}`)
  const unexpected = outcomes.filter(
    (o) => o.status !== 201 && !(o.status === 503 && o.code === 'database_unavailable' && o.contentType?.startsWith('application/problem+json')),
  )
  t.same(
    unexpected.map((o) => `${o.status} ${o.code}`),
    [],
    'every write is recorded (201) or refused as 503 database_unavailable: no 500',
  )

  // Nothing acknowledged was lost, nothing doubled.
  const sql = postgres(cluster.url, { max: 1, onnotice: () => {} })
  t.teardown(() => sql.end())
  const rows = await sql<{ id: string; n: number }[]>`
    SELECT data->>'providerId' AS id, count(*)::int AS n FROM ledger.events WHERE type = 'ProviderRegistered' GROUP BY 1`
  const stored = new Map(rows.map((r) => [r.id, r.n]))
  const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.providerId)
  t.ok(acknowledged.length > 0, `${acknowledged.length} writes acknowledged`)
  t.same(
    acknowledged.filter((id) => stored.get(id) !== 1),
    [],
    'every acknowledged write is in the log exactly once',
  )
  t.same(
    rows.filter((r) => r.n !== 1),
    [],
    'no provider registered twice',
  )
})
