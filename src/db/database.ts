import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import postgres from 'postgres'
import { WorkerConnection } from './embedded-channel.ts'

export type Sql = postgres.Sql
export type TransactionSql = postgres.TransactionSql

/** A connection to the ledger's PostgreSQL: a real server, or PGlite embedded in this process. */
export interface Database {
  readonly sql: Sql
  readonly kind: 'server' | 'embedded'
  /** How many statements may run at once: 1 for PGlite, the pool size for a server. */
  readonly concurrency: number
  close(): Promise<void>
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined
  dataDir?: string
  poolSize?: number
  /** Seconds to wait for a server to accept a connection. */
  connectTimeout?: number
  /** The embedded database's initialised copy (default: `pgliteTemplateFile()`); false to run initdb every time. */
  pgliteTemplate?: string | false
}

const quiet = { onnotice: () => {} }

/**
 * Whether the installed driver carries the guard `scripts/patch-postgres.mjs` adds at `npm ci` (an install with
 * --ignore-scripts does not): without it a connection closing mid-transaction can kill the process.
 */
export function driverPatched(): boolean {
  try {
    const entry = createRequire(import.meta.url).resolve('postgres') // <package>/cjs/src/index.js
    const connection = path.resolve(path.dirname(entry), '../../src/connection.js')
    return fs.readFileSync(connection, 'utf8').includes('pfdo-ledger patch: nextWrite on a closed socket')
  } catch {
    return false
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openServer(options.databaseUrl, options.poolSize ?? 10, options.connectTimeout ?? 5)
  return openEmbedded(options.dataDir ?? '.ledger-data', options.pgliteTemplate ?? pgliteTemplateFile())
}

/**
 * Seconds before a connection that failed is tried again. The driver's default grows to 20 s after a few failures,
 * and every query waiting for a connection waits that long: a database that was away for a moment then holds
 * each request 15–20 s before it fails. A refused connection costs the server nothing, so try at most every 0.5 s.
 */
const reconnectDelay = (retries: number) => Math.min(0.05 * 2 ** retries, 0.5) * (0.75 + Math.random() / 4)

function openServer(url: string, poolSize: number, connectTimeout: number): Database {
  // No JIT: the ledger's statements are short, and the planner's estimates for batched reads (a row set joined
  // laterally to the log) grow with the log until compiling them costs more than running them.
  const sql = postgres(url, {
    max: poolSize,
    connect_timeout: connectTimeout,
    backoff: reconnectDelay,
    ...quiet,
    connection: { application_name: 'ledger', jit: 'off' },
  })
  return {
    sql,
    kind: 'server',
    concurrency: poolSize,
    close: () => sql.end({ timeout: 5 }),
  }
}

/**
 * Where a freshly initialised PGlite database is kept for new databases to start from (see embedded-worker.mjs):
 * in the installation's package cache, named after PGlite's version so that an upgrade makes a new one.
 */
function pgliteTemplateFile(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite') // <node_modules>/@electric-sql/pglite/dist/index.cjs
    const packageDir = path.resolve(path.dirname(entry), '..')
    const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }
    return path.resolve(packageDir, '../../.cache/pfdo-ledger', `pglite-${version}.tar.gz`)
  } catch {
    return undefined
  }
}

/**
 * PGlite runs one query at a time, so postgres.js talks to it with a pool of one: the same driver, the same SQL and
 * the same code as against a server. It runs in a worker thread of its own, so the database and the ledger use both
 * cores; the wire protocol's bytes cross between the threads over a MessagePort (./embedded-channel.ts).
 */
async function openEmbedded(dataDir: string, template: string | false | undefined): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://')
  let releaseLock = () => {}
  if (!inMemory) {
    fs.mkdirSync(dataDir, { recursive: true })
    releaseLock = acquireDirectoryLock(dataDir)
  }
  let worker: Worker | null = null
  try {
    const workerData = { dataDir: inMemory ? dataDir : path.resolve(dataDir, 'pgdata'), template: template || undefined }
    worker = new Worker(new URL('./embedded-worker.mjs', import.meta.url), { workerData })
    const started = worker
    await new Promise<void>((resolve, reject) => {
      started.once('message', (m: { ready?: boolean }) => (m.ready ? resolve() : reject(new Error('the embedded database did not start'))))
      started.once('error', reject)
      started.once('exit', (code) => reject(new Error(`the embedded database stopped (exit code ${code})`)))
    })
    started.removeAllListeners()
    const sql = postgres({
      // postgres.js takes a socket of one's own (its types leave the option out).
      ...({ socket: () => new WorkerConnection(started) } as object),
      user: 'postgres',
      database: 'postgres',
      max: 1,
      fetch_types: false,
      ...quiet,
    })
    return {
      sql,
      kind: 'embedded',
      concurrency: 1,
      async close() {
        await sql.end({ timeout: 5 })
        await new Promise<void>((resolve) => {
          // PGlite closes its files and says so; a thread that does not stop in time is stopped.
          const timer = setTimeout(() => void started.terminate(), 10_000)
          started.once('exit', () => {
            clearTimeout(timer)
            resolve()
          })
          started.once('message', () => void started.terminate())
          started.postMessage('stop')
        })
        releaseLock()
      },
    }
  } catch (error) {
    await worker?.terminate()
    releaseLock()
    throw error
  }
}

class DatabaseInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${pid}; stop that process, ` +
        'or point DATABASE_URL at a PostgreSQL server to share one database between processes',
    )
    this.name = 'DatabaseInUseError'
  }
}

/** PGlite files must never be opened by two processes at once: that corrupts them. */
function acquireDirectoryLock(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'ledger.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' })
      let released = false
      return () => {
        if (released) return
        released = true
        fs.rmSync(lockFile, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number(fs.readFileSync(lockFile, 'utf8').trim())
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new DatabaseInUseError(dataDir, holder)
      }
      fs.rmSync(lockFile, { force: true }) // left behind by a process that died
    }
  }
  throw new Error(`could not lock ${lockFile}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
