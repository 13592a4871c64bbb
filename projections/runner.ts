import type { Sql } from '../src/db/database.ts'
import { compareLogPositions, type EventStore, LOG_START, type LogPosition, type RecordedEvent } from '../src/store/port.ts'
import { dropAbandonedGenerations, GenerationClaims, projectionLockKey } from './generations.ts'
import { applyBatch, createGeneration, installViews, readCheckpoint, schemaFor } from './postgres.ts'
import { RowSet } from './rows.ts'
import type { Projection } from './types.ts'

export interface RunnerOptions {
  batchSize?: number
  idleMs?: number
  /** Called inside each batch's transaction just before it commits; tests throw here to simulate a crash. */
  faults?: (point: string) => void
  /** Stop at this position (inclusive): for tests that snapshot a projection at a point of the log. */
  until?: LogPosition
}

export interface ProjectionStatus {
  name: string
  version: number
  registeredVersion: number
  generation: number
  schema: string
  checkpoint: LogPosition
  eventsApplied: number
  /** Committed events after the checkpoint. */
  lag: number
}

const lockKey = projectionLockKey

/** Creates generation 1 of every projection not yet installed, with its reporting views. Safe to run twice. */
export async function installProjections(sql: Sql, projections: readonly Projection[]): Promise<void> {
  for (const p of projections) {
    await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${lockKey(p.name)}))`
      const [existing] = await tx`SELECT 1 FROM projections.registry WHERE name = ${p.name}`
      if (existing) return
      const schema = schemaFor(p.name, 1)
      await createGeneration(tx, p, schema)
      await installViews(tx, p, schema)
      await tx`INSERT INTO projections.registry (name, version, generation, active_schema) VALUES (${p.name}, ${p.version}, 1, ${schema})`
    })
  }
}

export async function activeSchema(sql: Sql, name: string): Promise<{ schema: string; generation: number; version: number }> {
  const [row] = await sql<{ active_schema: string; generation: number; version: number }[]>`
    SELECT active_schema, generation, version FROM projections.registry WHERE name = ${name}`
  if (!row) throw new Error(`projection ${name} is not installed; run \`ledger migrate\``)
  return { schema: row.active_schema, generation: row.generation, version: row.version }
}

const after = (e: RecordedEvent, p: LogPosition) => compareLogPositions({ transactionId: e.transactionId, globalPosition: e.globalPosition }, p) > 0
const positionOf = (e: RecordedEvent): LogPosition => ({ transactionId: e.transactionId, globalPosition: e.globalPosition })

/**
 * Feeds projections from the global log. Each batch of each projection is applied and its checkpoint moved in
 * one transaction that also holds the projection's advisory lock, so two runners never apply the same batch
 * and a crash at any instant loses or repeats nothing: the next run starts from the committed checkpoint.
 */
export class ProjectionRunner {
  private stopped = true
  private loop: Promise<void> | null = null
  private wake: (() => void) | null = null

  constructor(
    private readonly sql: Sql,
    private readonly store: EventStore,
    readonly projections: readonly Projection[],
    private readonly options: RunnerOptions = {},
  ) {}

  /** One pass: reads the next batch after the lowest checkpoint and applies it to each projection behind it. */
  async step(): Promise<number> {
    const states = await Promise.all(
      this.projections.map(async (p) => {
        const { schema } = await activeSchema(this.sql, p.name)
        return { p, schema, checkpoint: await readCheckpoint(this.sql, schema) }
      }),
    )
    if (states.length === 0) return 0
    const lowest = states.map((s) => s.checkpoint).reduce((a, b) => (compareLogPositions(a, b) <= 0 ? a : b))
    const page = await this.store.readAll({ after: lowest, limit: this.options.batchSize ?? 2000 })
    let events = page.events
    if (this.options.until) events = events.filter((e) => compareLogPositions(positionOf(e), this.options.until!) <= 0)
    if (events.length === 0) return 0
    let applied = 0
    for (const s of states) {
      const mine = events.filter((e) => after(e, s.checkpoint))
      if (mine.length === 0) continue
      applied = Math.max(applied, await this.applyTo(s.p, s.schema, s.checkpoint, mine))
    }
    return applied
  }

  private async applyTo(p: Projection, schema: string, expected: LogPosition, events: RecordedEvent[]): Promise<number> {
    return this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${lockKey(p.name)}))`
      const [reg] = await tx<{ active_schema: string }[]>`SELECT active_schema FROM projections.registry WHERE name = ${p.name}`
      // A rebuild switched generations, or another runner moved on: read again next time.
      if (reg?.active_schema !== schema) return 0
      const now = await readCheckpoint(tx, schema)
      if (compareLogPositions(now, expected) !== 0) return 0
      await applyBatch(tx, p, schema, events, positionOf(events[events.length - 1]!))
      this.options.faults?.(`projection:${p.name}:before-commit`)
      return events.length
    })
  }

  /**
   * Applies everything committed before it was called (or up to `until`). The reader stops below the oldest running
   * transaction of the whole cluster, so a committed event can be out of reach for a moment while another database's
   * transaction runs: it waits for those, up to 30 s, rather than return behind.
   */
  async catchUp(): Promise<number> {
    let total = 0
    const deadline = Date.now() + 30_000
    for (;;) {
      const n = await this.step()
      total += n
      if (n > 0) continue
      if (this.options.until || !(await this.committedBeyondCheckpoints()) || Date.now() > deadline) return total
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  private async committedBeyondCheckpoints(): Promise<boolean> {
    for (const p of this.projections) {
      const cp = await readCheckpoint(this.sql, (await activeSchema(this.sql, p.name)).schema)
      if ((await this.store.countAfter(cp, { max: 1, includeUnreadable: true })) > 0) return true
    }
    return false
  }

  /** Runs in the background until `stop`, waiting `idleMs` whenever it has caught up. */
  start(onError: (error: unknown) => void = () => {}): void {
    if (!this.stopped) return
    this.stopped = false
    this.loop = (async () => {
      // What a killed rebuild left behind goes first; a failure here is reported and the runner runs on.
      await dropAbandonedGenerations(this.sql).catch(onError)
      while (!this.stopped) {
        let n = 0
        try {
          n = await this.step()
        } catch (error) {
          onError(error)
        }
        if (n === 0 && !this.stopped) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.options.idleMs ?? 100)
            this.wake = () => {
              clearTimeout(timer)
              resolve()
            }
          })
          this.wake = null
        }
      }
    })()
  }

  /** Asks the background loop to look at the log now (after a command, for read-your-writes). */
  poke(): void {
    this.wake?.()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake?.()
    await this.loop
  }
}

/** Rows a rebuild or a replay keeps in memory per projection before it reads them back from its tables. */
export const MAX_KEPT_ROWS = 1_000_000

/**
 * Rebuilds projections from the first event, each into a new generation, in one pass over the log; then switches
 * readers to each in one transaction, only once it has caught up with everything committed; the old generation is
 * dropped then. A new generation is written by the rebuild alone, so its rows are kept in memory between batches
 * and each batch only writes what changed.
 */
export async function rebuildProjections(
  sql: Sql,
  store: EventStore,
  projections: readonly Projection[],
  options: { batchSize?: number; onProgress?: (events: number) => void; maxKeptRows?: number } = {},
): Promise<{ name: string; schema: string; events: number }[]> {
  const maxKeptRows = options.maxKeptRows ?? MAX_KEPT_ROWS
  // Generations of rebuilds that were killed are dropped first; this rebuild's own are claimed before they exist,
  // so no other cleanup drops them, and dropped again if it fails before its switch.
  await dropAbandonedGenerations(sql)
  const claims = new GenerationClaims(sql)
  try {
    return await rebuildInto(sql, store, projections, claims, options, maxKeptRows)
  } catch (error) {
    await claims.release()
    await dropAbandonedGenerations(sql).catch(() => {})
    throw error
  } finally {
    await claims.release()
  }
}

async function rebuildInto(
  sql: Sql,
  store: EventStore,
  projections: readonly Projection[],
  claims: GenerationClaims,
  options: { batchSize?: number; onProgress?: (events: number) => void },
  maxKeptRows: number,
): Promise<{ name: string; schema: string; events: number }[]> {
  const targets: { projection: Projection; schema: string; generation: number; rows: RowSet | undefined }[] = []
  for (const projection of projections) {
    await activeSchema(sql, projection.name)
    const [next] = await sql<{ n: string }[]>`SELECT nextval('projections.generation_numbers')::text AS n`
    const generation = Number(next!.n)
    const schema = schemaFor(projection.name, generation)
    await claims.claim(schema, generation)
    await sql.begin((tx) => createGeneration(tx, projection, schema))
    targets.push({ projection, schema, generation, rows: new RowSet(true) })
  }
  let position: LogPosition = LOG_START
  let events = 0
  for (;;) {
    for (;;) {
      const page = await store.readAll({ after: position, limit: options.batchSize ?? 5000 })
      if (page.events.length === 0) break
      await sql.begin(async (tx) => {
        for (const t of targets) await applyBatch(tx, t.projection, t.schema, page.events, page.position, t.rows)
      })
      // Every batch is written, so a projection whose rows outgrow memory goes on reading them back instead.
      for (const t of targets) if (t.rows && t.rows.size > maxKeptRows) t.rows = undefined
      position = page.position
      events += page.events.length
      options.onProgress?.(events)
      if (page.caughtUp) break
    }
    // Still caught up? Otherwise catch up again before switching. Asked of the store (whichever keeps the log) just
    // before the switch; an event committed after the question is applied by the runner from the new checkpoint.
    if ((await store.countAfter(position, { max: 1 })) > 0) continue
    for (const t of targets) {
      await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtext(${lockKey(t.projection.name)}))`
        const [reg] = await tx<{ active_schema: string }[]>`SELECT active_schema FROM projections.registry WHERE name = ${t.projection.name} FOR UPDATE`
        await installViews(tx, t.projection, t.schema)
        await tx`UPDATE projections.registry SET active_schema = ${t.schema}, generation = ${t.generation}, version = ${t.projection.version}, switched_at = now() WHERE name = ${t.projection.name}`
        await tx.unsafe(`DROP SCHEMA IF EXISTS ${reg!.active_schema} CASCADE`)
      })
    }
    return targets.map((t) => ({ name: t.projection.name, schema: t.schema, events }))
  }
}

/** Rebuilds one projection (see rebuildProjections). */
export async function rebuildProjection(sql: Sql, store: EventStore, projection: Projection, options: { batchSize?: number; onProgress?: (events: number) => void } = {}): Promise<{ schema: string; events: number }> {
  const [result] = await rebuildProjections(sql, store, [projection], options)
  return { schema: result!.schema, events: result!.events }
}

export async function projectionStatus(sql: Sql, store: EventStore, projections: readonly Projection[]): Promise<ProjectionStatus[]> {
  const out: ProjectionStatus[] = []
  for (const p of projections) {
    const reg = await activeSchema(sql, p.name)
    const cp = await readCheckpoint(sql, reg.schema)
    const lag = await store.countAfter(cp)
    out.push({
      name: p.name, version: p.version, registeredVersion: reg.version, generation: reg.generation, schema: reg.schema,
      checkpoint: { transactionId: cp.transactionId, globalPosition: cp.globalPosition }, eventsApplied: cp.eventsApplied, lag,
    })
  }
  return out
}
