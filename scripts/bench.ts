// `npm run bench`: the ledger's performance on the PostgreSQL named by DATABASE_URL, each figure beside a raw
// baseline measured the same way on the same server in the same run, so that the ratios hold on a noisy machine.
// Every phase works in scratch databases of its own (random names, dropped at the end, on Ctrl-C and on failure).
// Options and the meaning of each figure: README.md, "Benchmark"; results: BENCHMARKS.md.
import os from 'node:os'
import { PostgresEventStore } from '../src/store/postgres/postgres-event-store.ts'
import { measureAppend } from './bench/append.ts'
import { type ContractRequestSpec, measureCommand } from './bench/command.ts'
import { measureHttp } from './bench/http.ts'
import { MemorySampler, progress, progressDone, round1, round2, seconds } from './bench/measure.ts'
import { monthCloseRun } from './bench/month-close.ts'
import { OptionsError, type Phase, parseOptions, USAGE } from './bench/options.ts'
import { measurePeer, PEER_CONTRACTS_MAX } from './bench/peer.ts'
import { measureRebuild } from './bench/rebuild.ts'
import { goalsOf, humanReport, type Report } from './bench/report.ts'
import { measureScale } from './bench/scale.ts'
import { ScratchDatabases } from './bench/scratch.ts'
import { seedWorld } from './bench/world.ts'

function fail(message: string, code: number): never {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(code)
}

let options: ReturnType<typeof parseOptions>
try {
  options = parseOptions(process.argv.slice(2))
} catch (error) {
  if (error instanceof OptionsError) fail(`${error.message}; ${USAGE}`, 2)
  throw error
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
const serverUrl = process.env.DATABASE_URL
if (!serverUrl)
  fail('set DATABASE_URL to a PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres); the embedded PGlite is not a benchmark target', 2)

const memory = new MemorySampler()
const scratch = new ScratchDatabases(serverUrl)
let cleaning: Promise<void> | null = null
const cleanUp = () => (cleaning ??= scratch.dropAll())
let interrupted = false
const interrupt = (signal: string) => {
  // Dropping the databases ends the work in flight with connection errors: those are not failures to report.
  interrupted = true
  void cleanUp().finally(() => {
    process.stderr.write(`\nbench: ${signal}: stopped; scratch databases dropped\n`)
    process.exit(130)
  })
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupt(signal))

const started = performance.now()
const selected = (p: Phase) => options.only.includes(p)
const say = (text: string) => progress(`[${round1(seconds(started))} s] ${text}`)

async function run(): Promise<Report> {
  const loadAverageAtStart = os.loadavg().map(round2)
  const postgresVersion = await scratch.serverVersion()
  const report: Omit<Report, 'goals' | 'peakRssMb' | 'totalSeconds' | 'machine'> = {
    append: null,
    peer: null,
    command: null,
    http: null,
    rebuild: null,
    monthClose: null,
    scale: null,
    options: {
      quick: options.quick,
      contracts: options.contracts,
      logEvents: options.logEvents,
      requests: options.requests,
      concurrency: options.concurrency,
      writers: options.writers,
      seconds: options.seconds,
      only: options.only,
    },
  }

  if (selected('append')) {
    const { db, name } = await scratch.create('append', options.writers + 2)
    report.append = await measureAppend(db, { writers: options.writers, seconds: options.seconds, onProgress: say })
    await scratch.drop(db, name)
  }

  if (selected('peer')) {
    // Our store and Emmett's, each in a database of its own on the same server.
    const ours = await scratch.create('peer_ours', options.writers + 4)
    const theirs = await scratch.createEmpty('peer_emmett')
    report.peer = await measurePeer(ours.db, theirs.url, {
      writers: options.writers,
      seconds: options.seconds,
      contracts: Math.min(options.contracts, PEER_CONTRACTS_MAX),
      onProgress: say,
    })
    await scratch.drop(ours.db, ours.name)
    await scratch.drop(null, theirs.name)
  }

  if (selected('scale')) {
    const { db, name } = await scratch.create('scale', options.writers + 4)
    report.scale = await measureScale(db, { logEvents: options.logEvents, writers: options.writers, seconds: options.seconds, onProgress: say })
    await scratch.drop(db, name)
  }

  if (selected('command') || selected('http')) {
    const { db, name } = await scratch.create('app', options.concurrency + 4)
    const store = new PostgresEventStore(db.sql)
    const world = await seedWorld(store, {
      municipality: 'bench-city',
      prefix: 'C',
      certificates: 2 * options.requests,
      contracts: 0,
      concurrency: 8,
      onProgress: (done, total) => say(`command: setting up ${done} of ${total} certificates`),
    })
    // Certificate i enrols in group ⌊i / capacity⌋: the setup made exactly enough groups for that.
    const capacity = Math.ceil(world.certificates.length / world.groups.length)
    const requests: ContractRequestSpec[] = world.certificates.map((certificateNumber, i) => ({
      certificateNumber,
      groupId: world.groups[Math.floor(i / capacity)]!,
    }))
    if (selected('command'))
      report.command = await measureCommand(store, requests.slice(0, options.requests), { concurrency: options.concurrency, onProgress: say })
    if (selected('http')) {
      say(`http: ${options.requests} requests over loopback`)
      report.http = await measureHttp(db, store, requests.slice(options.requests), { concurrency: options.concurrency, maxSeconds: options.quick ? 20 : 300 })
    }
    await scratch.drop(db, name)
  }

  let logForRebuild: { db: Awaited<ReturnType<ScratchDatabases['create']>> } | null = null
  if (selected('month-close')) {
    const tenth = Math.max(1, Math.round(options.contracts / 10))
    const small = await scratch.create('close_tenth', 12)
    const atTenth = await monthCloseRun(small.db, { municipality: 'bench-tenth', prefix: 'M', contracts: tenth, concurrency: 8, onProgress: say })
    await scratch.drop(small.db, small.name)
    const large = await scratch.create('close', 12)
    const full = await monthCloseRun(large.db, { municipality: 'bench-full', prefix: 'N', contracts: options.contracts, concurrency: 8, onProgress: say })
    logForRebuild = { db: large }
    report.monthClose = {
      contracts: full.contracts,
      seconds: round2(full.closeSeconds),
      contractsAtTenth: tenth,
      secondsAtTenth: round2(atTenth.closeSeconds),
      growth: round2(full.closeSeconds / Math.max(atTenth.closeSeconds, 1e-9)),
      contractsWrittenOff: full.outcome.contractsWrittenOff,
      contractsWrittenOffAtTenth: atTenth.outcome.contractsWrittenOff,
      setupSeconds: round1(full.setupSeconds),
      setupSecondsAtTenth: round1(atTenth.setupSeconds),
      catchUpSeconds: round1(full.catchUpSeconds),
      setupEvents: full.world.events,
      storeCalls: full.storeCalls,
      storeCallsAtTenth: atTenth.storeCalls,
      rawRead: { ...full.rawRead, seconds: Math.round(full.rawRead.seconds * 1000) / 1000 },
    }
  }

  if (selected('rebuild')) {
    // The month close's log: a whole municipality's enrolment and a closed month, realistic events only.
    if (!logForRebuild) {
      const created = await scratch.create('rebuild', 12)
      await seedWorld(new PostgresEventStore(created.db.sql), {
        municipality: 'bench-rebuild',
        prefix: 'R',
        certificates: options.contracts,
        contracts: options.contracts,
        concurrency: 8,
        onProgress: (done, total) => say(`rebuild: setting up ${done} of ${total} contracts`),
      })
      logForRebuild = { db: created }
    }
    report.rebuild = await measureRebuild(logForRebuild.db.db, { onProgress: say })
  }
  if (logForRebuild) await scratch.drop(logForRebuild.db.db, logForRebuild.db.name)

  const cpus = os.cpus()
  const full = {
    ...report,
    peakRssMb: memory.peakMb(),
    machine: {
      cpuModel: cpus[0]?.model ?? 'unknown',
      cpus: cpus.length,
      totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      postgres: postgresVersion,
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg().map(round2),
    },
    totalSeconds: round1(seconds(started)),
  }
  return { ...full, goals: goalsOf(full) }
}

try {
  const report = await run()
  progressDone(`[${round1(seconds(started))} s] done`)
  await cleanUp()
  memory.stop()
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : humanReport(report))
  process.exit(0)
} catch (error) {
  if (interrupted) await new Promise(() => {}) // the signal handler exits once the databases are dropped
  progressDone('')
  process.stderr.write(`bench: failed: ${(error as Error).stack ?? error}\n`)
  await cleanUp()
  process.exit(1)
}
