import fs from 'node:fs'
import path from 'node:path'
import { upcast, validateEventData } from '../events/index.ts'
import type { Sql, TransactionSql } from '../src/db/database.ts'
import type { LogPosition, RecordedEvent } from '../src/store/port.ts'
import { keyString, RowSet } from './rows.ts'
import type { ProjectedEvent, Projection, Row } from './types.ts'

// How projections live in PostgreSQL: one schema per generation with the projection's tables and a one-row
// checkpoint; rows loaded and written in bulk per batch; the checkpoint advanced in the same transaction.

type Q = Sql | TransactionSql

export const schemaFor = (name: string, generation: number) => `proj_${name.replaceAll('-', '_')}_${generation}`

function sqlFile(projection: Projection, file: 'tables.sql' | 'views.sql', schema: string): string {
  return fs.readFileSync(path.join(projection.dir, file), 'utf8').replaceAll('{{schema}}', schema)
}

interface TableInfo {
  columns: { name: string; type: string }[]
  primaryKey: string[]
}

const infoCache = new Map<string, TableInfo>()

/** Columns and primary key of a table, from the catalog: tables.sql is the only place they are written. */
export async function tableInfo(sql: Q, schema: string, table: string): Promise<TableInfo> {
  const cacheKey = `${schema}.${table}`
  const cached = infoCache.get(cacheKey)
  if (cached) return cached
  const columns = await sql<{ name: string; type: string }[]>`
    SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${schema} AND c.relname = ${table} AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum`
  const pk = await sql<{ name: string }[]>`
    SELECT a.attname AS name
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
    WHERE n.nspname = ${schema} AND c.relname = ${table} AND i.indisprimary
    ORDER BY k.ord`
  if (columns.length === 0) throw new Error(`projection table ${schema}.${table} does not exist`)
  if (pk.length === 0) throw new Error(`projection table ${schema}.${table} has no primary key`)
  const info = { columns: [...columns], primaryKey: pk.map((p) => p.name) }
  infoCache.set(cacheKey, info)
  return info
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`

export async function createGeneration(sql: Q, projection: Projection, schema: string): Promise<void> {
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  await sql.unsafe(`CREATE SCHEMA ${schema}`)
  await sql.unsafe(sqlFile(projection, 'tables.sql', schema))
  await sql.unsafe(`
    CREATE TABLE ${schema}.checkpoint (
      id integer PRIMARY KEY CHECK (id = 1),
      transaction_id bigint NOT NULL,
      global_position bigint NOT NULL,
      events_applied bigint NOT NULL
    );
    INSERT INTO ${schema}.checkpoint VALUES (1, 0, 0, 0);`)
  for (const key of [...infoCache.keys()]) if (key.startsWith(`${schema}.`)) infoCache.delete(key)
}

/** The reporting views of a projection, pointed at a generation; readable by the role `ledger_reporting`. */
export async function installViews(sql: Q, projection: Projection, schema: string): Promise<void> {
  const text = sqlFile(projection, 'views.sql', schema)
  // A new version may change a view's columns or a function's result, which CREATE OR REPLACE refuses: the
  // projection's own views and functions are dropped first, in the caller's transaction (readers see old or new).
  const drops = [
    ...[...text.matchAll(/CREATE OR REPLACE VIEW (reporting\.\w+)/g)].map((m) => `DROP VIEW IF EXISTS ${m[1]} CASCADE`),
    ...[...text.matchAll(/CREATE OR REPLACE FUNCTION (reporting\.\w+\([^)]*\))/g)].map((m) => `DROP FUNCTION IF EXISTS ${m[1]} CASCADE`),
  ]
  if (drops.length > 0) await sql.unsafe(drops.join(';\n'))
  await sql.unsafe(text)
  const [role] = await sql`SELECT 1 FROM pg_roles WHERE rolname = 'ledger_reporting'`
  if (role) {
    await sql.unsafe(`GRANT USAGE ON SCHEMA reporting TO ledger_reporting; GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO ledger_reporting;
      GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA reporting TO ledger_reporting;`)
  }
}

/**
 * The comments of a projection's reporting views (`COMMENT ON …` lines of views.sql) applied again to the views an
 * earlier release installed: views are (re)created with their comments by `installViews`, but a projection already
 * installed keeps its views until it is rebuilt. A comment on a view or column that generation lacks is left out.
 */
export async function installComments(sql: Q, projection: Projection): Promise<void> {
  const comments = [...sqlFile(projection, 'views.sql', '').matchAll(/^COMMENT ON .*;$/gm)].map((m) => m[0])
  if (comments.length === 0) return
  const guarded = comments.map((c) => `BEGIN ${c} EXCEPTION WHEN undefined_table OR undefined_column OR undefined_function THEN NULL; END;`)
  await sql.unsafe(`DO $comments$ BEGIN ${guarded.join('\n')} END $comments$`)
}

export async function readCheckpoint(sql: Q, schema: string): Promise<LogPosition & { eventsApplied: number }> {
  const [row] = await sql.unsafe<{ transaction_id: string; global_position: string; events_applied: string }[]>(
    `SELECT transaction_id, global_position, events_applied FROM ${schema}.checkpoint`,
  )
  return { transactionId: BigInt(row!.transaction_id), globalPosition: BigInt(row!.global_position), eventsApplied: Number(row!.events_applied) }
}

/**
 * Applies events to a generation inside the caller's transaction: loads every row the events touch in one
 * query per table, applies the events in order in memory, writes the changed rows back, moves the checkpoint.
 */
export async function applyBatch(
  tx: Q,
  projection: Projection,
  schema: string,
  events: readonly RecordedEvent[],
  position: LogPosition,
  /**
   * Rows kept by a caller that builds the generation alone from empty (a rebuild, a replay): everything it holds
   * is what the tables hold, and a row it does not hold does not exist, so nothing is read back.
   */
  kept?: RowSet,
  /**
   * Events their schema version refuses are left out by every projection alike — the live runner, rebuilds, replays
   * and verify — so they all agree; with `record` each is noted in projections.skipped_events for status and verify.
   */
  options: { record?: boolean } = {},
): Promise<void> {
  const rows = kept ?? new RowSet(true)
  const count = events.length
  events = await leaveOutInvalid(tx, projection, events, options.record ?? false)
  const typed = projectable(events)
  if (kept) {
    for (const e of typed) for (const ref of projection.touches(e)) if (!kept.has(ref)) kept.load(ref.table, ref.key, null)
  }
  const wanted = new Map<string, Map<string, readonly (string | number)[]>>()
  for (const e of kept ? [] : typed) {
    for (const ref of projection.touches(e)) {
      let t = wanted.get(ref.table)
      if (!t) wanted.set(ref.table, (t = new Map()))
      t.set(keyString(ref.key), ref.key)
    }
  }
  for (const [table, keys] of wanted) {
    const info = await tableInfo(tx, schema, table)
    const keyTypes = info.primaryKey.map((k) => `${ident(k)} ${info.columns.find((c) => c.name === k)!.type}`).join(', ')
    const join = info.primaryKey.map((k) => `t.${ident(k)} = k.${ident(k)}`).join(' AND ')
    const keyRows = [...keys.values()].map((key) => Object.fromEntries(info.primaryKey.map((k, i) => [k, key[i]])))
    const found = await tx.unsafe<{ j: string }[]>(
      `SELECT row_to_json(t)::text AS j FROM ${schema}.${ident(table)} t JOIN jsonb_to_recordset($1::text::jsonb) AS k(${keyTypes}) ON ${join}`,
      [JSON.stringify(keyRows)],
    )
    for (const key of keys.values()) rows.load(table, key, null)
    for (const { j } of found) {
      const row = JSON.parse(j) as Row
      rows.load(
        table,
        info.primaryKey.map((k) => row[k] as string | number),
        row,
      )
    }
  }
  for (const e of typed) projection.apply(rows, e)
  for (const [table, dirty] of rows.dirty) {
    const info = await tableInfo(tx, schema, table)
    const upserts: Row[] = []
    const deletes: Row[] = []
    for (const k of dirty) {
      const entry = rows.rows.get(table)!.get(k)!
      if (entry.row) upserts.push(entry.row)
      else deletes.push(Object.fromEntries(info.primaryKey.map((c, i) => [c, entry.key[i]])))
    }
    if (upserts.length > 0) {
      const cols = info.columns.map((c) => ident(c.name)).join(', ')
      const defs = info.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')
      const nonKey = info.columns.filter((c) => !info.primaryKey.includes(c.name))
      const onConflict = nonKey.length ? `DO UPDATE SET ${nonKey.map((c) => `${ident(c.name)} = EXCLUDED.${ident(c.name)}`).join(', ')}` : 'DO NOTHING'
      await tx.unsafe(
        `INSERT INTO ${schema}.${ident(table)} (${cols}) SELECT ${cols} FROM jsonb_to_recordset($1::text::jsonb) AS r(${defs})
         ON CONFLICT (${info.primaryKey.map(ident).join(', ')}) ${onConflict}`,
        [JSON.stringify(upserts)],
      )
    }
    if (deletes.length > 0) {
      const keyTypes = info.primaryKey.map((k) => `${ident(k)} ${info.columns.find((c) => c.name === k)!.type}`).join(', ')
      const join = info.primaryKey.map((k) => `t.${ident(k)} = k.${ident(k)}`).join(' AND ')
      await tx.unsafe(`DELETE FROM ${schema}.${ident(table)} t USING jsonb_to_recordset($1::text::jsonb) AS k(${keyTypes}) WHERE ${join}`, [
        JSON.stringify(deletes),
      ])
    }
  }
  rows.dirty.clear()
  await tx.unsafe(`UPDATE ${schema}.checkpoint SET transaction_id = $1, global_position = $2, events_applied = events_applied + $3`, [
    String(position.transactionId),
    String(position.globalPosition),
    count,
  ])
}

/**
 * Stored events as projections read them: those whose data their schema version accepts, each upcast to its type's
 * current version and so typed by its type. Live batches, rebuilds, replays and as-of answers all go through here.
 */
export function projectable(events: readonly RecordedEvent[]): ProjectedEvent[] {
  return events.filter((e) => issuesOf(e).length === 0).map(upcast) as ProjectedEvent[]
}

/** Each event is validated once, however many projections a page feeds. */
const validated = new WeakMap<RecordedEvent, string[]>()
function issuesOf(e: RecordedEvent): string[] {
  let issues = validated.get(e)
  if (!issues) validated.set(e, (issues = validateEventData(e.type, e.schemaVersion, e.data)))
  return issues
}

/** The events whose data their schema version accepts; the others recorded as skipped by this projection. */
async function leaveOutInvalid(tx: Q, projection: Projection, events: readonly RecordedEvent[], record: boolean): Promise<RecordedEvent[]> {
  const kept: RecordedEvent[] = []
  for (const e of events) {
    const issues = issuesOf(e)
    if (issues.length === 0) {
      kept.push(e)
      continue
    }
    if (record) {
      await tx`INSERT INTO projections.skipped_events (name, global_position, event_id, event_type, stream_id, reason)
        VALUES (${projection.name}, ${String(e.globalPosition)}, ${e.eventId}, ${e.type}, ${e.streamId}, ${`${e.type} v${e.schemaVersion}: ${issues[0]}`})
        ON CONFLICT DO NOTHING`
    }
  }
  return kept
}

/** Every row of every table of a generation, ordered by primary key: for comparisons and replays. */
export async function dumpGeneration(sql: Q, projection: Projection, schema: string): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {}
  for (const table of projection.tables) {
    const info = await tableInfo(sql, schema, table)
    const rows = await sql.unsafe<{ j: string }[]>(
      `SELECT row_to_json(t)::text AS j FROM ${schema}.${ident(table)} t ORDER BY ${info.primaryKey.map((k) => `t.${ident(k)}`).join(', ')}`,
    )
    out[table] = rows.map((r) => JSON.parse(r.j) as Row)
  }
  return out
}
