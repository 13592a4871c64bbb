import t from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { installProjections } from '../../projections/runner.ts'
import { testDatabase } from '../helpers/database.ts'

// Issue 15: every view, column and function of the `reporting` schema says what it holds (COMMENT ON), on a new
// ledger and on one whose projections an earlier release installed.

t.test('every reporting view, column and function has a comment', async (t) => {
  const db = await testDatabase(t)
  const uncommented = async () => ({
    views: (
      await db.sql<{ name: string }[]>`
        SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'reporting' AND c.relkind = 'v' AND coalesce(obj_description(c.oid, 'pg_class'), '') = ''`
    ).map((r) => r.name),
    columns: (
      await db.sql<{ name: string }[]>`
        SELECT c.relname || '.' || a.attname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = 'reporting' AND c.relkind = 'v' AND coalesce(col_description(c.oid, a.attnum), '') = ''`
    ).map((r) => r.name),
    functions: (
      await db.sql<{ name: string }[]>`
        SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'reporting' AND coalesce(obj_description(p.oid, 'pg_proc'), '') = ''`
    ).map((r) => r.name),
  })
  const [counted] = await db.sql<{ views: number }[]>`
    SELECT count(*)::int AS views FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'reporting' AND c.relkind = 'v'`
  const views = counted!.views
  t.ok(views >= 17, `${views} views in reporting`)
  t.same(await uncommented(), { views: [], columns: [], functions: [] }, 'a new ledger: everything commented')

  // A ledger installed before the comments: they arrive with the next start (installProjections), no rebuild needed.
  await db.sql`COMMENT ON VIEW reporting.provider_invoices IS NULL`
  await db.sql`COMMENT ON COLUMN reporting.contracts.payer_id IS NULL`
  await db.sql`COMMENT ON FUNCTION reporting.coverage(text, date) IS NULL`
  t.same(await uncommented(), { views: ['provider_invoices'], columns: ['contracts.payer_id'], functions: ['coverage'] })
  await installProjections(db.sql, PROJECTIONS)
  t.same(await uncommented(), { views: [], columns: [], functions: [] }, 'restored on install')
  const [row] = await db.sql<{ c: string }[]>`SELECT col_description('reporting.organisation_requisites'::regclass, 7) AS c`
  t.equal(row!.c, 'ИНН', 'the comments are the analysts’ words')
})
