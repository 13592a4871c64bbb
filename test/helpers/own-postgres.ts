import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

// A PostgreSQL cluster of a test's own, for tests that stop and start the database: never the shared server.
// initdb refuses root, so as root the binaries run as the `postgres` user (runuser) in a temporary folder
// owned by that user; the cluster listens on a free port of 127.0.0.1 and is removed with its folder afterwards.

export interface OwnCluster {
  readonly port: number
  /** A URL of the cluster's `postgres` database. */
  readonly url: string
  start(): void
  /** `fast` ends the sessions and checkpoints; `immediate` aborts like a crash. */
  stop(mode?: 'fast' | 'immediate'): void
  /** Stops the cluster (if running) and removes its folder. */
  remove(): void
}

const BIN_ROOT = '/usr/lib/postgresql'

/** The newest server binaries installed, or null. */
function binDir(): string | null {
  if (!fs.existsSync(BIN_ROOT)) return null
  const versions = fs
    .readdirSync(BIN_ROOT)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
  for (const v of versions) {
    const dir = path.join(BIN_ROOT, v, 'bin')
    if (fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir
  }
  return null
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * Makes and starts a cluster, or says in one line why it cannot (no binaries, no `postgres` user): the caller
 * skips with that line.
 */
export async function ownCluster(): Promise<OwnCluster | string> {
  const bin = binDir()
  if (!bin) return `no PostgreSQL server binaries under ${BIN_ROOT}/*/bin`
  const asRoot = process.getuid?.() === 0
  let uid = process.getuid?.() ?? 0
  let gid = process.getgid?.() ?? 0
  if (asRoot) {
    try {
      uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
      gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    } catch {
      return 'running as root, and there is no `postgres` user to run initdb as'
    }
  }
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]] : [path.join(bin, command), args]
    const r = spawnSync(file, argv, { encoding: 'utf8', cwd: os.tmpdir() })
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error)).trim()}`)
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-own-pg-'))
  fs.chownSync(dir, uid, gid)
  const data = path.join(dir, 'data')
  const port = await freePort()
  let running = false
  const cluster: OwnCluster = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start() {
      run('pg_ctl', [
        '-D',
        data,
        '-l',
        path.join(dir, 'server.log'),
        '-w',
        '-t',
        '60',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        'start',
      ])
      running = true
    },
    stop(mode = 'fast') {
      run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'])
      running = false
    },
    remove() {
      try {
        if (running) cluster.stop('immediate')
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    },
  }
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
    cluster.start()
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true })
    return `cannot make a PostgreSQL cluster of the test's own: ${(error as Error).message.split('\n')[0]}`
  }
  return cluster
}
