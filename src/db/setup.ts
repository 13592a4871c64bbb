import { PROJECTIONS } from '../../projections/index.ts'
import { installProjections } from '../../projections/runner.ts'
import type { Sql } from './database.ts'
import { type MigrationReport, migrate } from './migrate.ts'

/** Brings a database up to date: the ledger's migrations, then the first generation of every projection. */
export async function prepareDatabase(sql: Sql): Promise<MigrationReport> {
  const report = await migrate(sql)
  await installProjections(sql, PROJECTIONS)
  return report
}
