import type { Sql } from '../src/db/database.ts'
import { FollowerLoop } from '../src/store/follower-loop.ts'
import { compareLogPositions, type EventStore, LOG_START, type LogPosition, type RecordedEvent } from '../src/store/port.ts'
import { dropAbandonedGenerations, GenerationClaims, projectionLockKey } from './generations.ts'
import { applyBatch, createGeneration, installComments, installViews, readCheckpoint, schemaFor } from './postgres.ts'
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
  /** Stopped at an event it cannot apply, or null. */
  stopped: StoppedProjection | null
  /** Events left out because their data does not validate against their schema. */
  skipped: number
}

const lockKey = projectionLockKey

/** Creates generation 1 of every projection not yet installed, with its reporting views. Safe to run twice. */
export async function installProjections(sql: Sql, projections: readonly Projection[]): Promise<void> {
  for (const p of projections) {
    await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${lockKey(p.name)}))`
      const [existing] = await tx`SELECT 1 FROM projections.registry WHERE name = ${p.name}`
      if (existing) return installComments(tx, p)
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
/** A projection stopped at an event it cannot apply (its schema accepts it, the projection refuses it). */
class ProjectionStoppedError extends Error {
  constructor(
    readonly projection: string,
    readonly event: RecordedEvent,
    readonly reason: unknown,
  ) {
    super(
      `projection ${projection} stopped at event ${event.globalPosition} (${event.type} ${event.eventId} of ${event.streamId}): ${(reason as Error)?.message ?? String(reason)}`,
    )
    this.name = 'ProjectionStoppedError'
  }
}

/** A crash a test injects between apply and commit: the process would have died, no event is to blame. */
class InjectedCrash extends Error {
  constructor(readonly original: unknown) {
    super((original as Error)?.message ?? String(original))
    this.name = 'InjectedCrash'
  }
}

/** Errors of the connection or the server's state, not of an event: the batch is simply tried again later. */
function isTransient(error: unknown): boolean {
  if (error instanceof InjectedCrash) return true
  const code = (error as { code?: unknown })?.code
  if (typeof code !== 'string') return false
  // 08: connection exception, 40: transaction rollback (serialization, deadlock), 53: insufficient resources,
  // 57: operator intervention (shutdown), 58: system error; and the driver's own connection errors.
  return (
    /^(08|40|53|57|58)/.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'].includes(code)
  )
}

/** Retrying a stopped projection: after 1 s, doubling up to 5 min, so a stuck event does not flood the log. */
const FIRST_RETRY_MS = 1000
const LAST_RETRY_MS = 5 * 60_000

export class ProjectionRunner {
  private readonly background: FollowerLoop
  /** Stopped projections: when each may be tried again. */
  private readonly backoff = new Map<string, { at: number; delay: number }>()

  constructor(
    private readonly sql: Sql,
    private readonly store: EventStore,
    readonly projections: readonly Projection[],
    private readonly options: RunnerOptions = {},
  ) {
    this.background = new FollowerLoop(() => this.step(), options.idleMs ?? 100)
  }

  /** One pass: reads the next batch after the lowest checkpoint and applies it to each projection behind it. */
  async step(): Promise<number> {
    if (!this.failuresRead) {
      // Failures recorded by an earlier run: tried again now, and cleared once the projection moves on.
      for (const r of await this.sql<{ name: string }[]>`SELECT name FROM projections.failures`) this.backoff.set(r.name, { at: 0, delay: FIRST_RETRY_MS / 2 })
      this.failuresRead = true
    }
    const now = Date.now()
    // A stopped projection waits for its next try; the others go on (the lowest checkpoint is of those that run).
    const eligible = this.projections.filter((p) => (this.backoff.get(p.name)?.at ?? 0) <= now)
    const states = await Promise.all(
      eligible.map(async (p) => {
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
    let stopped: ProjectionStoppedError | null = null
    for (const s of states) {
      const mine = events.filter((e) => after(e, s.checkpoint))
      if (mine.length === 0) continue
      try {
        applied = Math.max(applied, await this.applyTo(s.p, s.schema, s.checkpoint, mine))
        await this.recovered(s.p.name)
      } catch (error) {
        if (!(error instanceof ProjectionStoppedError)) throw error
        stopped ??= error
      }
    }
    // The others were fed; the stopped one is reported (once per try, with the backoff between tries).
    if (stopped) throw stopped
    return applied
  }

  /**
   * Applies a batch (events their schemas refuse are left out and recorded by applyBatch). If it fails for a reason
   * of its own (not the connection's), the events are applied one by one up to the one that fails, and the
   * projection stops at that event, recorded in projections.failures, to be tried again with a growing delay.
   */
  private async applyTo(p: Projection, schema: string, expected: LogPosition, events: RecordedEvent[]): Promise<number> {
    try {
      return await this.applyOnce(p, schema, expected, events)
    } catch (error) {
      if (isTransient(error)) throw error
    }
    let checkpoint = expected
    let applied = 0
    for (const e of events) {
      try {
        applied += await this.applyOnce(p, schema, checkpoint, [e])
        checkpoint = positionOf(e)
      } catch (error) {
        if (isTransient(error)) throw error
        await this.failed(p.name, e, error)
        throw new ProjectionStoppedError(p.name, e, error)
      }
    }
    return applied
  }

  private async applyOnce(p: Projection, schema: string, expected: LogPosition, events: RecordedEvent[]): Promise<number> {
    return this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${lockKey(p.name)}))`
      const [reg] = await tx<{ active_schema: string }[]>`SELECT active_schema FROM projections.registry WHERE name = ${p.name}`
      // A rebuild switched generations, or another runner moved on: read again next time.
      if (reg?.active_schema !== schema) return 0
      const now = await readCheckpoint(tx, schema)
      if (compareLogPositions(now, expected) !== 0) return 0
      await applyBatch(tx, p, schema, events, positionOf(events[events.length - 1]!), undefined, { record: true })
      try {
        this.options.faults?.(`projection:${p.name}:before-commit`)
      } catch (error) {
        throw new InjectedCrash(error)
      }
      return events.length
    })
  }

  private async failed(name: string, e: RecordedEvent, error: unknown) {
    const previous = this.backoff.get(name)
    const delay = previous ? Math.min(previous.delay * 2, LAST_RETRY_MS) : FIRST_RETRY_MS
    this.backoff.set(name, { at: Date.now() + delay, delay })
    const message = ((error as Error)?.message ?? String(error)).slice(0, 1000)
    await this.sql`
      INSERT INTO projections.failures (name, global_position, event_id, event_type, stream_id, error)
      VALUES (${name}, ${String(e.globalPosition)}, ${e.eventId}, ${e.type}, ${e.streamId}, ${message})
      ON CONFLICT (name) DO UPDATE SET global_position = EXCLUDED.global_position, event_id = EXCLUDED.event_id, event_type = EXCLUDED.event_type,
        stream_id = EXCLUDED.stream_id, error = EXCLUDED.error, last_failed_at = now(),
        attempts = CASE WHEN projections.failures.event_id = EXCLUDED.event_id THEN projections.failures.attempts + 1 ELSE 1 END,
        first_failed_at = CASE WHEN projections.failures.event_id = EXCLUDED.event_id THEN projections.failures.first_failed_at ELSE now() END`
  }

  /** A projection that applied a batch is no longer stopped (the cause was mended, or a rebuild got past it). */
  private async recovered(name: string) {
    if (!this.backoff.has(name)) return
    this.backoff.delete(name)
    await this.sql`DELETE FROM projections.failures WHERE name = ${name}`
  }

  private failuresRead = false

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
    // What a killed rebuild left behind goes first; a failure here is reported and the runner runs on.
    this.background.start(onError, () => dropAbandonedGenerations(this.sql))
  }

  /** Asks the background loop to look at the log now (after a command, for read-your-writes). */
  poke(): void {
    this.background.poke()
  }

  stop(): Promise<void> {
    return this.background.stop()
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
  // Generations of rebuilds that were killed are dropped first; this rebuild's own are claimed before they exist,
  // so that no cleanup, here or in another process, drops them while it runs.
  await dropAbandonedGenerations(sql)
  const claims = new GenerationClaims(sql)
  const targets: RebuildTarget[] = []
  try {
    for (const projection of projections) {
      await activeSchema(sql, projection.name)
      const [next] = await sql<{ n: string }[]>`SELECT nextval('projections.generation_numbers')::text AS n`
      const generation = Number(next!.n)
      const schema = schemaFor(projection.name, generation)
      await claims.claim(schema, generation)
      await sql.begin((tx) => createGeneration(tx, projection, schema))
      targets.push({ projection, schema, generation, rows: new RowSet(true) })
    }
    return await fill(sql, store, targets, options)
  } catch (error) {
    // A rebuild that cannot finish leaves nothing behind: readers stay on the generations they had. Its own are
    // dropped as abandoned (neither active nor claimed), so one it already switched to is never dropped.
    await claims.release()
    await dropAbandonedGenerations(sql).catch(() => {})
    throw error
  } finally {
    await claims.release()
  }
}

type RebuildTarget = { projection: Projection; schema: string; generation: number; rows: RowSet | undefined }

async function fill(
  sql: Sql,
  store: EventStore,
  targets: RebuildTarget[],
  options: { batchSize?: number; onProgress?: (events: number) => void; maxKeptRows?: number },
): Promise<{ name: string; schema: string; events: number }[]> {
  const maxKeptRows = options.maxKeptRows ?? MAX_KEPT_ROWS
  let position: LogPosition = LOG_START
  let events = 0
  for (;;) {
    for (;;) {
      const page = await store.readAll({ after: position, limit: options.batchSize ?? 5000 })
      if (page.events.length === 0) break
      await sql.begin(async (tx) => {
        for (const t of targets) await applyBatch(tx, t.projection, t.schema, page.events, page.position, t.rows, { record: true })
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
export async function rebuildProjection(
  sql: Sql,
  store: EventStore,
  projection: Projection,
  options: { batchSize?: number; onProgress?: (events: number) => void } = {},
): Promise<{ schema: string; events: number }> {
  const [result] = await rebuildProjections(sql, store, [projection], options)
  return { schema: result!.schema, events: result!.events }
}

export async function projectionStatus(sql: Sql, store: EventStore, projections: readonly Projection[]): Promise<ProjectionStatus[]> {
  const out: ProjectionStatus[] = []
  const stopped = await stoppedProjections(sql)
  for (const p of projections) {
    const reg = await activeSchema(sql, p.name)
    const cp = await readCheckpoint(sql, reg.schema)
    const lag = await store.countAfter(cp)
    const [skipped] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM projections.skipped_events WHERE name = ${p.name}`
    out.push({
      name: p.name,
      version: p.version,
      registeredVersion: reg.version,
      generation: reg.generation,
      schema: reg.schema,
      checkpoint: { transactionId: cp.transactionId, globalPosition: cp.globalPosition },
      eventsApplied: cp.eventsApplied,
      lag,
      stopped: stopped.find((s) => s.name === p.name) ?? null,
      skipped: skipped!.n,
    })
  }
  return out
}

export interface StoppedProjection {
  name: string
  globalPosition: string
  eventId: string
  eventType: string
  streamId: string
  error: string
  since: string
  attempts: number
}

/** Projections stopped at an event they cannot apply (projections.failures), for verify, /ready and status. */
export async function stoppedProjections(sql: Sql): Promise<StoppedProjection[]> {
  return sql<StoppedProjection[]>`
    SELECT name, global_position::text AS "globalPosition", event_id::text AS "eventId", event_type AS "eventType", stream_id AS "streamId", error,
           first_failed_at::text AS since, attempts
    FROM projections.failures ORDER BY name`
}
