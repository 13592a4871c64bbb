import t from 'tap'
import { openDatabase } from '../../src/db/database.ts'
import { ledgerMigrations, MigrationChecksumError, migrate, pendingMigrations } from '../../src/db/migrate.ts'
import { createServerDatabase, onServer, testDatabase } from '../helpers/database.ts'

t.test('migrations apply in order once, and running them again applies nothing', async (t) => {
  const db = await testDatabase(t, { migrate: false })
  const all = ledgerMigrations().map((m) => m.id)
  t.ok(all.length >= 2)
  t.same(all, [...all].sort(), 'ordered by name')
  t.same(await pendingMigrations(db.sql), all, 'a fresh database has every migration pending')
  const first = await migrate(db.sql)
  t.same(first.applied, all)
  const second = await migrate(db.sql)
  t.same(second.applied, [], 'second run applies nothing')
  t.same(second.alreadyApplied, all)
  t.same(await pendingMigrations(db.sql), [])
  const rows = await db.sql<{ id: string }[]>`SELECT id FROM ledger.schema_migrations ORDER BY applied_at, id`
  t.same(
    rows.map((r) => r.id),
    all,
    'each recorded once',
  )
})

t.test('a failing migration leaves nothing behind, and a changed one is refused', async (t) => {
  const db = await testDatabase(t)
  const broken = [{ id: '9000_broken', sql: 'CREATE TABLE ledger.half_done (a int); SELECT 1/0;' }]
  await t.rejects(migrate(db.sql, [...ledgerMigrations(), ...broken]), /division by zero/)
  const [half] = await db.sql`SELECT to_regclass('ledger.half_done') AS t`
  t.equal(half!.t, null, 'the failed migration rolled back whole')
  t.same(await pendingMigrations(db.sql, [...ledgerMigrations(), ...broken]), ['9000_broken'], 'and is not recorded')

  const edited = ledgerMigrations().map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m))
  await t.rejects(migrate(db.sql, edited), MigrationChecksumError)
})

t.test('migrators starting together apply each migration exactly once', { skip: onServer ? false : 'needs several connections' }, async (t) => {
  const url = await createServerDatabase(t)
  const dbs = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ databaseUrl: url, poolSize: 2 })))
  t.teardown(() => Promise.all(dbs.map((d) => d.close())))
  const reports = await Promise.all(dbs.map((d) => migrate(d.sql)))
  const applied = reports.flatMap((r) => r.applied).sort()
  t.same(
    applied,
    ledgerMigrations().map((m) => m.id),
    'every migration applied by exactly one migrator',
  )
})
