import { catalogue, definitionOf, type LedgerEvent, upcast } from '../../events/index.ts'
import type { Decider } from '../domain/decider.ts'
import type { AppendResult, EventMetadata, EventStore, FoldEvent, NewEvent } from '../store/port.ts'
import { StreamNotFoundError, WrongExpectedVersionError } from '../store/port.ts'
import { uuidFromName } from './ids.ts'

interface Loaded<State> {
  state: State
  /** Position of the stream's last event, null when it has none. */
  version: number | null
  /** The stream's events by id with their global positions, to find what an earlier run of a step wrote. */
  byId: Map<string, { event: LedgerEvent; position: bigint }>
}

type StepResult = { events: LedgerEvent[]; version: number | null; alreadyDone: boolean }
/** What a step of a combined append came to: its result, its refusal, or the same as an earlier step of the batch. */
type Outcome = StepResult | { error: unknown } | { sameAs: number }

interface StepJob {
  kind: 'step'
  decider: Decider<unknown, unknown>
  stepId: string
  command: unknown
  metadata: EventMetadata
  options: { expectedVersion?: number | 'no_stream' }
  resolve(result: StepResult): void
  reject(error: unknown): void
}

interface LoadJob {
  kind: 'load'
  decider: Decider<never, unknown>
  resolve(result: Loaded<unknown>): void
  reject(error: unknown): void
}

type Job = StepJob | LoadJob

/**
 * Streams whose folds are kept in memory: a month close of a large municipality touches two streams per contract, and
 * 20 000 folds (a few kilobytes each) hold a close of 10 000 contracts while staying well under 100 MB.
 */
const CACHED_STREAMS = 20_000
/** Steps queued on one stream decided and appended together: one INSERT of at most this many steps' events. */
const MAX_STEPS_PER_APPEND = 500
/**
 * Decisions retried after a concurrent write to the same stream: a step that loses 50 races in a row is under a
 * contention no caller should wait out (every retry reads only the stream's new tail).
 */
const MAX_CONFLICT_RETRIES = 50
/** Positions remembered for read-your-writes, per request: internal work never asks, so the oldest are forgotten. */
const REMEMBERED_POSITIONS = 10_000

/** Converts a stored event to the domain's view of it. */
const toLedgerEvent = (e: FoldEvent): LedgerEvent => ({ type: e.type, data: upcast(e).data }) as LedgerEvent

/**
 * Loads aggregates by folding their streams, keeping recent ones in memory: a stream only grows, so a cached
 * fold stays valid and only the events after its version are read again. Appends go through `runStep`.
 */
export class Aggregates {
  private readonly cache = new Map<string, Loaded<unknown> & { decider: unknown }>()

  /** Work waiting on each stream, in order: a cached fold has one writer in this process. */
  private readonly queues = new Map<string, Job[]>()

  constructor(
    readonly store: EventStore,
    private readonly capacity = CACHED_STREAMS,
  ) {}

  private enqueue<T>(streamId: string, job: Omit<StepJob, 'resolve' | 'reject'> | Omit<LoadJob, 'resolve' | 'reject'>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queue = this.queues.get(streamId)
      const full = { ...job, resolve, reject } as Job
      if (queue) return void queue.push(full)
      this.queues.set(streamId, [full])
      void this.drain(streamId)
    })
  }

  /**
   * Runs a stream's work in order. Steps that queued up behind each other while the stream was busy (many
   * commands taking places in one group, say) are decided one after the other and appended together: one
   * round trip instead of one each, with the same outcome as running them in turn.
   */
  private async drain(streamId: string) {
    const queue = this.queues.get(streamId)!
    while (queue.length > 0) {
      const job = queue[0]!
      let run = 1
      if (job.kind === 'load') {
        // Loads waiting together are answered by one read: they would all see the same stream.
        while (run < queue.length && queue[run]!.kind === 'load' && queue[run]!.decider === job.decider) run++
      } else if (job.options.expectedVersion === undefined) {
        while (run < queue.length && run < MAX_STEPS_PER_APPEND) {
          const next = queue[run]!
          if (next.kind !== 'step' || next.decider !== job.decider || next.options.expectedVersion !== undefined) break
          run++
        }
      }
      const jobs = queue.splice(0, run)
      try {
        if (job.kind === 'load') {
          const loaded = await this.loadUnlocked(job.decider, streamId)
          for (const j of jobs) (j as LoadJob).resolve(loaded)
        } else await this.runSteps(job.decider, streamId, jobs as StepJob[])
      } catch (error) {
        for (const j of jobs) j.reject(error)
      }
    }
    this.queues.delete(streamId)
  }

  load<State>(decider: Decider<never, State>, streamId: string): Promise<Loaded<State>> {
    return this.enqueue(streamId, { kind: 'load', decider: decider as Decider<never, unknown> })
  }

  private async loadUnlocked<State>(decider: Decider<never, State>, streamId: string): Promise<Loaded<State>> {
    let entry = this.cache.get(streamId) as (Loaded<State> & { decider: unknown }) | undefined
    if (entry && entry.decider !== decider) entry = undefined
    if (entry) {
      // most recently used last
      this.cache.delete(streamId)
      this.cache.set(streamId, entry)
    } else {
      entry = { state: decider.initialState(), version: null, byId: new Map(), decider }
    }
    let events: FoldEvent[] = []
    try {
      events = await this.store.readStreamToFold(streamId, entry.version === null ? 0 : entry.version + 1)
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error
    }
    for (const e of events) {
      const event = toLedgerEvent(e)
      entry.state = decider.evolve(entry.state, event)
      entry.byId.set(e.eventId, { event, position: e.globalPosition })
      entry.version = e.streamPosition
    }
    this.remember(streamId, entry)
    return entry
  }

  /**
   * One step of a command or process on one stream: decide from the current state and append with the expected
   * version, retrying on a concurrent write. The step's events get ids derived from `stepId`, so when the step
   * already happened (a retried request, a process run again after a crash) its recorded events are returned
   * and nothing is written. Returns the events of the step and the stream's version after it.
   */
  runStep<Command, State>(
    decider: Decider<Command, State>,
    streamId: string,
    stepId: string,
    command: Command,
    metadata: EventMetadata,
    options: { expectedVersion?: number | 'no_stream' } = {},
  ): Promise<{ events: LedgerEvent[]; version: number | null; alreadyDone: boolean }> {
    return this.enqueue(streamId, { kind: 'step', decider: decider as Decider<unknown, unknown>, stepId, command, metadata, options })
  }

  /**
   * Steps of one stream, as if run one after the other, appended at once (one step is a run of one). Each step's
   * events get ids derived from its id, so a step that already happened (a retried request, a process run again
   * after a crash) is answered with what it recorded and writes nothing; the same step queued twice is answered
   * once. A run is decided on the cached fold when there is one — the append names the version it was decided on,
   * so a stale fold cannot write, and a refusal or a "nothing to do" decided on it is decided again on a fresh one
   * unless the others' append proved the fold current. The cached fold is never changed before the append succeeds:
   * several steps are decided on a copy, so a conflict only reads the stream's new tail.
   */
  private async runSteps(decider: Decider<unknown, unknown>, streamId: string, jobs: StepJob[]) {
    for (let attempt = 0; ; attempt++) {
      const cached = attempt === 0 ? this.cachedEntry<unknown>(decider, streamId) : undefined
      const loaded = cached ?? (await this.loadUnlocked(decider as Decider<never, unknown>, streamId))
      const before = loaded.version
      const { outcomes, appended, working, unsure } = this.decideAll(decider, streamId, loaded, jobs)
      if (appended.length === 0) {
        if (cached && unsure) continue
        return this.settle(jobs, outcomes)
      }
      let result: AppendResult
      try {
        result = await this.store.append(
          streamId,
          appended.flatMap((a) => a.recorded),
          { expectedVersion: before ?? 'no_stream' },
        )
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          // Someone else wrote to the stream: decide again on its new tail — unless the caller named the version.
          if (jobs.some((j) => j.options.expectedVersion !== undefined) && !cached) throw error
          if (attempt < MAX_CONFLICT_RETRIES) continue
          throw error
        }
        // Another error (an event id recorded with other content, say): each step alone, for its own answer.
        this.cache.delete(streamId)
        if (jobs.length === 1) throw error
        for (const job of jobs) await this.runSteps(decider, streamId, [job]).catch((e: unknown) => job.reject(e))
        return
      }
      this.advance(streamId, loaded, decider, working, appended, result)
      let k = 0
      for (const a of appended) {
        k += a.events.length
        const last = result.positions[k - 1]!
        this.notePosition(a.job.metadata, last.globalPosition)
        outcomes[a.index] = { events: a.events, version: last.streamPosition, alreadyDone: result.alreadyAppended }
      }
      return this.settle(jobs, outcomes)
    }
  }

  /** Each step decided in turn on the fold (or, for several, a copy the earlier ones' events move on). */
  private decideAll(decider: Decider<unknown, unknown>, streamId: string, loaded: Loaded<unknown>, jobs: StepJob[]) {
    const before = loaded.version
    const outcomes: Outcome[] = []
    const appended: { job: StepJob; index: number; events: LedgerEvent[]; recorded: NewEvent[] }[] = []
    // The same step queued twice (a request retried while it still runs): the second is the first, done already.
    const decidedBy = new Map<string, number>()
    let working = jobs.length > 1 ? structuredClone(loaded.state) : loaded.state
    let unsure = false
    for (const [index, job] of jobs.entries()) {
      const recorded = this.recordedIn(loaded, job.stepId)
      if (recorded.events.length > 0) {
        this.notePosition(job.metadata, recorded.position)
        outcomes.push({ events: recorded.events, version: before, alreadyDone: true })
        continue
      }
      const earlier = decidedBy.get(job.stepId)
      if (earlier !== undefined) {
        outcomes.push({ sameAs: earlier })
        continue
      }
      decidedBy.set(job.stepId, index)
      try {
        // With a caller's If-Match (a step that runs alone) the stream must be at the version it names.
        const given = job.options.expectedVersion
        if (given !== undefined && given !== (before ?? 'no_stream')) throw new WrongExpectedVersionError(streamId, given, before)
        const events = decider.decide(job.command, working)
        if (events.length === 0) {
          unsure = true
          outcomes.push({ events, version: before, alreadyDone: false })
          continue
        }
        // Checked against the catalogue before the fold moves on: an invalid event fails its own step only.
        const ids = Array.from({ length: events.length }, (_, i) => uuidFromName(`${job.stepId}#${i}`))
        const recordedEvents = events.map((e, i) => this.newEvent(e, ids[i]!, job.metadata))
        if (jobs.length > 1) for (const e of events) working = decider.evolve(working, e)
        appended.push({ job, index, events, recorded: recordedEvents })
        outcomes.push({ events, version: null, alreadyDone: false })
      } catch (error) {
        unsure = true
        outcomes.push({ error })
      }
    }
    return { outcomes, appended, working: jobs.length > 1 ? working : null, unsure }
  }

  /** The cached fold after a successful append: the copy several steps were decided on, or the one step's events. */
  private advance(
    streamId: string,
    loaded: Loaded<unknown>,
    decider: Decider<unknown, unknown>,
    working: unknown,
    appended: { events: LedgerEvent[]; recorded: NewEvent[] }[],
    result: AppendResult,
  ) {
    if (result.alreadyAppended) {
      // Everything was there already (a concurrent run of the same steps): the fold is read again next time.
      this.cache.delete(streamId)
      return
    }
    if (working !== null) loaded.state = working
    else for (const a of appended) for (const e of a.events) loaded.state = decider.evolve(loaded.state, e)
    loaded.version = result.nextExpectedVersion
    let k = 0
    for (const a of appended) {
      for (const [i, e] of a.events.entries()) loaded.byId.set(a.recorded[i]!.eventId, { event: e, position: result.positions[k++]!.globalPosition })
    }
  }

  private settle(jobs: StepJob[], outcomes: Outcome[]) {
    jobs.forEach((job, i) => {
      const o = outcomes[i]!
      if ('sameAs' in o) {
        const first = outcomes[o.sameAs]!
        if ('error' in first) job.reject(first.error)
        else if ('events' in first) job.resolve({ ...first, alreadyDone: true })
      } else if ('error' in o) job.reject(o.error)
      else job.resolve(o)
    })
  }

  private recordedIn(loaded: Loaded<unknown>, stepId: string) {
    const events: LedgerEvent[] = []
    let position = 0n
    for (let i = 0; ; i++) {
      const e = loaded.byId.get(uuidFromName(`${stepId}#${i}`))
      if (!e) return { events, position }
      events.push(e.event)
      position = e.position
    }
  }

  private newEvent(e: LedgerEvent, eventId: string, metadata: EventMetadata): NewEvent {
    const definition = definitionOf(e.type, catalogue[e.type].schemaVersion)!
    return { eventId, type: e.type, schemaVersion: definition.schemaVersion, data: definition.schema.parse(e.data), metadata }
  }

  /** The events a step recorded on a stream, empty when it has not happened. */
  async recordedStep<State>(decider: Decider<never, State>, streamId: string, stepId: string): Promise<LedgerEvent[]> {
    return this.recordedIn((await this.load(decider, streamId)) as Loaded<unknown>, stepId).events
  }

  private readonly positions = new Map<string, bigint>()

  private notePosition(metadata: EventMetadata, position: bigint) {
    const key = metadata.correlationId
    if ((this.positions.get(key) ?? -1n) < position) this.positions.set(key, position)
    // Internal work never asks; keep the map from growing without end.
    if (this.positions.size > REMEMBERED_POSITIONS) this.positions.delete(this.positions.keys().next().value!)
  }

  /**
   * The highest global position a request (by correlation id) wrote or found already written, forgotten once
   * asked: what a client waits for to read its own writes.
   */
  takePosition(correlationId: string): bigint | null {
    const p = this.positions.get(correlationId) ?? null
    this.positions.delete(correlationId)
    return p
  }

  /** The cached fold of a stream by the same decider, as last read or written by this process; not refreshed. */
  private cachedEntry<State>(decider: unknown, streamId: string): Loaded<State> | undefined {
    const entry = this.cache.get(streamId) as (Loaded<State> & { decider: unknown }) | undefined
    return entry && entry.decider === decider ? entry : undefined
  }

  private remember(streamId: string, entry: Loaded<unknown> & { decider: unknown }) {
    this.cache.set(streamId, entry)
    if (this.cache.size > this.capacity) {
      const oldest = this.cache.keys().next().value
      if (oldest !== undefined) this.cache.delete(oldest)
    }
  }
}
