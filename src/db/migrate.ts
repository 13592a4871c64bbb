import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Sql } from './database.ts'

export interface Migration {
  /** Sortable, unique and never renamed once released, e.g. `0001_event_store`. */
  id: string
  sql: string
}

export interface MigrationReport {
  applied: string[]
  alreadyApplied: string[]
}

export class MigrationChecksumError extends Error {
  constructor(readonly migrationId: string) {
    super(`migration ${migrationId} was changed after it had been applied; add a new migration instead`)
    this.name = 'MigrationChecksumError'
  }
}

const here = path.dirname(fileURLToPath(import.meta.url))

/** The SQL files of a folder, in the order of their names. */
function migrationsIn(folder: string, prefix = ''): Migration[] {
  return fs
    .readdirSync(folder)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ id: prefix + name.replace(/\.sql$/, ''), sql: fs.readFileSync(path.join(folder, name), 'utf8') }))
}

/** The ledger's own migrations: the event store first, then everything built on it. */
export function ledgerMigrations(): Migration[] {
  return migrationsIn(path.join(here, 'migrations'))
}

const checksum = (text: string) => crypto.createHash('sha256').update(text).digest('hex')

/**
 * Applies, in order, each migration not yet recorded, each in its own transaction together with its record.
 * An advisory lock serialises concurrent migrators (two `serve` processes starting together), and every
 * migration is re-checked under the lock, so running this twice or at once applies each file exactly once.
 */
export async function migrate(sql: Sql, migrations: Migration[] = ledgerMigrations()): Promise<MigrationReport> {
  const report: MigrationReport = { applied: [], alreadyApplied: [] }
  for (const migration of migrations) {
    const sum = checksum(migration.sql)
    await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(8675309)`
      await tx`CREATE SCHEMA IF NOT EXISTS ledger`
      await tx`CREATE TABLE IF NOT EXISTS ledger.schema_migrations (
        id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
      const [existing] = await tx<{ checksum: string }[]>`
        SELECT checksum FROM ledger.schema_migrations WHERE id = ${migration.id}`
      if (existing) {
        if (existing.checksum !== sum) throw new MigrationChecksumError(migration.id)
        report.alreadyApplied.push(migration.id)
        return
      }
      await tx.unsafe(migration.sql)
      await tx`INSERT INTO ledger.schema_migrations (id, checksum) VALUES (${migration.id}, ${sum})`
      report.applied.push(migration.id)
    })
  }
  return report
}

/** The migrations not yet applied; empty means the schema is current (used by `GET /ready`). */
export async function pendingMigrations(sql: Sql, migrations: Migration[] = ledgerMigrations()): Promise<string[]> {
  const [table] = await sql<{ exists: boolean }[]>`SELECT to_regclass('ledger.schema_migrations') IS NOT NULL AS exists`
  if (!table?.exists) return migrations.map((m) => m.id)
  const rows = await sql<{ id: string }[]>`SELECT id FROM ledger.schema_migrations`
  const applied = new Set(rows.map((r) => r.id))
  return migrations.filter((m) => !applied.has(m.id)).map((m) => m.id)
}
