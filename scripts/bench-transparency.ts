// `npx tsx scripts/bench-transparency.ts [--writers N] [--seconds S] [--rounds R]`: what the transparency log costs
// appends. The tree is kept by a follower of the log, not inside the append, so its cost is the load it adds beside
// the writers: appends/s through the port with the follower running against appends/s without it, in alternating
// rounds on scratch databases of the PostgreSQL named by DATABASE_URL (goal: ≤ 10 % fewer). Then how fast the
// follower takes in a log it is behind on (events/s), the rate at which a rebuilt tree catches up.
import { parseArgs } from 'node:util'
import { PostgresEventStore } from '../src/store/postgres/postgres-event-store.ts'
import { generateSigningKey, parseSigningKey } from '../src/transparency/note.ts'
import { TreeFollower, treeState } from '../src/transparency/tree.ts'
import { portAppends } from './bench/append.ts'
import { rate, round1 } from './bench/measure.ts'
import { ScratchDatabases } from './bench/scratch.ts'

const { values } = parseArgs({ options: { writers: { type: 'string' }, seconds: { type: 'string' }, rounds: { type: 'string' } } })
const writers = Number(values.writers ?? 8)
const seconds = Number(values.seconds ?? 5)
const rounds = Number(values.rounds ?? 2)
const url = process.env.DATABASE_URL
if (!url) {
  process.stderr.write('bench-transparency: set DATABASE_URL to a PostgreSQL server\n')
  process.exit(2)
}
const scratch = new ScratchDatabases(url)
try {
  const without: number[] = []
  const withTree: number[] = []
  for (let r = 0; r < rounds; r++) {
    for (const tree of r % 2 === 0 ? [false, true] : [true, false]) {
      const { db, name } = await scratch.create(tree ? 'tlog' : 'plain', writers + 4)
      const key = parseSigningKey(generateSigningKey('bench/ledger'))
      const follower = new TreeFollower(db.sql, new PostgresEventStore(db.sql), {
        checkpoints: { key, origin: 'bench/ledger', everyEvents: 1000, everySeconds: 10 },
      })
      if (tree) follower.start((e) => process.stderr.write(`follower: ${(e as Error).message}\n`))
      const run = await portAppends(db, 'tlog', writers, seconds)
      await follower.stop()
      ;(tree ? withTree : without).push(rate(run))
      if (tree) process.stderr.write(`round ${r + 1}: tree holds ${(await treeState(db.sql)).size} leaves after the run\n`)
      await scratch.drop(db, name)
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const [a, b] = [mean(without), mean(withTree)]
  process.stdout.write(`appends/s without the tree: ${round1(a)}   with the follower running: ${round1(b)}   cost: ${round1((1 - b / a) * 100)} %\n`)

  const { db, name } = await scratch.create('catchup', writers + 4)
  const store = new PostgresEventStore(db.sql)
  await portAppends(db, 'tlog', writers, seconds)
  const started = performance.now()
  const n = await new TreeFollower(db.sql, store, { batchSize: 2000 }).catchUp()
  process.stdout.write(
    `follower catching up: ${n} events in ${round1((performance.now() - started) / 1000)} s = ${round1(n / ((performance.now() - started) / 1000))} events/s\n`,
  )
  await scratch.drop(db, name)
} finally {
  await scratch.dropAll()
}
