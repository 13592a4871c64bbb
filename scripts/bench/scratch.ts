// Scratch databases on the benchmark's server: created with random names, dropped at the end, on Ctrl-C and on
// failure. Nothing else on the server is touched.
import crypto from 'node:crypto'
import postgres from 'postgres'
import { type Database, openDatabase } from '../../src/db/database.ts'
import { prepareDatabase } from '../../src/db/setup.ts'

export class ScratchDatabases {
  private readonly admin: postgres.Sql
  private readonly created: string[] = []
  private readonly open: Database[] = []

  constructor(private readonly serverUrl: string) {
    this.admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connection: { application_name: 'ledger-bench' } })
  }

  async serverVersion(): Promise<string> {
    const [row] = await this.admin<{ version: string }[]>`SELECT version()`
    return row!.version
  }

  /** A new database with the ledger's migrations and projections, and a connection pool to it. */
  async create(purpose: string, poolSize: number): Promise<{ db: Database; url: string; name: string }> {
    const { url, name } = await this.createEmpty(purpose)
    const db = await openDatabase({ databaseUrl: url, poolSize })
    this.open.push(db)
    await prepareDatabase(db.sql)
    return { db, url, name }
  }

  /** A new empty database (a peer's event store makes its own schema in it), and its URL. */
  async createEmpty(purpose: string): Promise<{ url: string; name: string }> {
    const name = `ledger_bench_${purpose}_${crypto.randomBytes(4).toString('hex')}`
    this.created.push(name)
    await this.admin.unsafe(`CREATE DATABASE ${name}`)
    const url = new URL(this.serverUrl)
    url.pathname = `/${name}`
    return { url: url.toString(), name }
  }

  /** Drops one database now (its pool closed first), to keep the server's disk and cache for the next phase. */
  async drop(db: Database | null, name: string): Promise<void> {
    await db?.close().catch(() => {})
    await this.admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    this.created.splice(this.created.indexOf(name), 1)
  }

  /** Drops every database this run created; safe to call twice and from a signal handler. */
  async dropAll(): Promise<void> {
    await Promise.all(this.open.map((db) => db.close().catch(() => {})))
    for (const name of this.created.splice(0)) {
      await this.admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
    }
    await this.admin.end({ timeout: 5 }).catch(() => {})
  }
}
