import crypto from 'node:crypto'
import postgres from 'postgres'
import { type Database, openDatabase } from '../../src/db/database.ts'
import { prepareDatabase } from '../../src/db/setup.ts'

interface Teardown {
  teardown(fn: () => unknown): void
}

export const onServer = Boolean(process.env.DATABASE_URL)

/** A URL for a database of its own on the test server (DATABASE_URL names the server and its admin database). */
export async function createServerDatabase(t: Teardown): Promise<string> {
  const base = process.env.DATABASE_URL!
  const name = `ledger_test_${crypto.randomBytes(6).toString('hex')}`
  const admin = postgres(base, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  t.teardown(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  })
  const url = new URL(base)
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * A fresh, migrated ledger database for one test file: its own database on the PostgreSQL server when
 * DATABASE_URL is set, an in-memory PGlite otherwise. Closed and dropped when the test ends.
 */
export async function testDatabase(t: Teardown, options: { migrate?: boolean; poolSize?: number } = {}): Promise<Database> {
  const db = onServer
    ? await openDatabase({ databaseUrl: await createServerDatabase(t), poolSize: options.poolSize ?? 25 })
    : await openDatabase({ dataDir: 'memory://' })
  t.teardown(() => db.close())
  if (options.migrate !== false) await prepareDatabase(db.sql)
  return db
}
