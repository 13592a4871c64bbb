import path from 'node:path'
import t from 'tap'
import { repoRoot, runNode } from '../helpers/cli.ts'

// The benchmark in a tiny run, so the script cannot rot: the JSON report's shape and sanity, never its timings.

const bench = (args: string[], env: NodeJS.ProcessEnv) => runNode(['--import', 'tsx', path.join(repoRoot, 'scripts/bench.ts'), ...args], env)

const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME }

t.test('without DATABASE_URL or with a bad option: one line on stderr, exit 2', async (t) => {
  const unset = await bench(['--quick'], baseEnv)
  t.equal(unset.code, 2)
  t.match(unset.stderr, /^bench: set DATABASE_URL .*PGlite is not a benchmark target\n$/)
  t.equal(unset.stdout, '')
  const bad = await bench(['--contracts', 'many'], { ...baseEnv, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^bench: --contracts must be a whole number/)
  t.equal(bad.stderr.trim().split('\n').length, 1)
})

t.test(
  'a tiny run gives one JSON object with every figure',
  { skip: process.env.DATABASE_URL ? false : 'the benchmark runs only against a PostgreSQL server: set DATABASE_URL' },
  async (t) => {
    const contracts = 20
    const run = await bench(['--json', '--quick', '--contracts', String(contracts), '--log-events', '1000', '--requests', '10', '--seconds', '0.4'], {
      ...baseEnv,
      DATABASE_URL: process.env.DATABASE_URL,
    })
    t.equal(run.code, 0, run.stderr)
    t.equal(run.stdout.trim().split('\n').length, 1, 'one line on stdout')
    const r = JSON.parse(run.stdout)
    const near = (a: number, b: number) => Math.abs(a - b) <= 0.001 + 0.01 * b

    t.ok(r.append.eventsPerSecond > 0 && r.append.rawPerSecond > 0)
    t.ok(near(r.append.ratio, r.append.eventsPerSecond / r.append.rawPerSecond), 'append ratio = port / raw')
    t.equal(r.append.writers, 8)

    // Beside the peer: each figure's ratio is ours / the peer's; the run itself fails unless both projections
    // ended with the same contracts.
    t.match(r.peer.peer, /^Emmett \d+\.\d+\.\d+$/)
    t.equal(r.peer.writers, 8)
    for (const k of ['append', 'readStream', 'catchUp'] as const) {
      t.ok(r.peer[k].ours > 0 && r.peer[k].peer > 0, `peer ${k}: both measured`)
      t.ok(near(r.peer[k].ratio, r.peer[k].ours / r.peer[k].peer), `peer ${k}: ratio = ours / peer`)
    }
    t.equal(r.peer.catchUp.contracts, contracts)
    t.ok(r.peer.catchUp.events > contracts * 5, 'the catch-up runs over the enrolment of every contract')

    for (const k of ['command', 'http'] as const) {
      t.equal(r[k].requests, 10, `${k}: every request done`)
      t.equal(r[k].errors, 0, `${k}: none refused`)
      t.ok(r[k].perSecond > 0 && r[k].p50Ms > 0 && r[k].p99Ms >= r[k].p50Ms, `${k}: rate and latencies`)
    }

    t.ok(r.rebuild.events > contracts * 5, 'the rebuild reads the month close log')
    t.ok(r.rebuild.eventsPerSecond > 0 && r.rebuild.rawPerSecond > 0)
    t.ok(near(r.rebuild.ratio, r.rebuild.eventsPerSecond / r.rebuild.rawPerSecond), 'rebuild ratio = rebuild / raw')
    t.same([...r.rebuild.projections].sort(), ['certificate-balances', 'contracts', 'coverage', 'ledger-postings', 'organisations', 'provider-invoices'])

    t.equal(r.monthClose.contracts, contracts)
    t.equal(r.monthClose.contractsWrittenOff, contracts, 'every contract written off')
    t.equal(r.monthClose.contractsAtTenth, contracts / 10)
    t.equal(r.monthClose.contractsWrittenOffAtTenth, contracts / 10)
    t.ok(r.monthClose.seconds > 0 && r.monthClose.secondsAtTenth > 0)
    // The floor under the close: its input read raw, the contract's and the certificate's stream of every contract.
    t.ok(r.monthClose.rawRead.streams >= 2 * contracts, 'the raw read covers every contract and certificate the close folded')
    t.ok(r.monthClose.rawRead.events >= 2 * contracts, 'at least the events of those streams')

    t.ok(r.scale.logEvents >= 1000)
    t.ok(r.scale.appendPerSecondEmpty > 0 && r.scale.appendPerSecondLarge > 0)

    t.ok(r.peakRssMb > 0)
    t.ok(r.machine.cpus > 0 && /PostgreSQL/.test(r.machine.postgres) && r.machine.node === process.version)
    t.ok(r.goals.length >= 5)
  },
)
