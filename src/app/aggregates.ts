import { catalogue, definitionOf, type LedgerEvent, upcast } from '../../events/index.ts'
import type { Decider } from '../domain/decider.ts'
import type { AppendResult, EventMetadata, EventStore, ExpectedVersion, NewEvent, RecordedEvent } from '../store/port.ts'
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

/** Converts a stored event to the domain's view of it. */
export const toLedgerEvent = (e: RecordedEvent): LedgerEvent => ({ type: e.type, data: upcast(e).data }) as LedgerEvent

export class UnknownStoredEventError extends Error {}

/**
 * Loads aggregates by folding their streams, keeping recent ones in memory: a stream only grows, so a cached
 * fold stays valid and only the events after its version are read again. Appends go through `runStep`.
 */
export class Aggregates {
  private readonly cache = new Map<string, Loaded<unknown> & { decider: unknown }>()

  /** Work waiting on each stream, in order: a cached fold has one writer in this process. */
  private readonly queues = new Map<string, Job[]>()

  constructor(readonly store: EventStore, private readonly capacity = 20_000) {}

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
        while (run < queue.length && run < 500) {
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
        }
        else if (jobs.length === 1) job.resolve(await this.runStepUnlocked(job.decider, streamId, job.stepId, job.command, job.metadata, job.options))
        else await this.runStepsTogether(job.decider, streamId, jobs as StepJob[])
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
    let events: RecordedEvent[] = []
    try {
      events = await this.store.readStream(streamId, { from: entry.version === null ? 0 : entry.version + 1 })
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
   * Several steps on one stream as if run one after the other, appended together. The fold is advanced by each
   * step's events before the next one decides, so a failed append leaves it ahead of the stream: it is then
   * dropped and read again. A refusal decided on a cached fold stands once the append of the others succeeded
   * with the fold's version (the fold was current); when nothing was appended it is decided again on a fresh one.
   */
  private async runStepsTogether(decider: Decider<unknown, unknown>, streamId: string, jobs: StepJob[]) {
    const stepIds = (job: StepJob, n: number) => Array.from({ length: n }, (_, i) => uuidFromName(`${job.stepId}#${i}`))
    for (let attempt = 0; ; attempt++) {
      const cached = attempt === 0 ? this.cachedEntry<unknown>(decider, streamId) : undefined
      const loaded = cached ?? (await this.loadUnlocked(decider as Decider<never, unknown>, streamId))
      const before = loaded.version
      const outcomes: Outcome[] = []
      const appended: { job: StepJob; index: number; events: LedgerEvent[]; recorded: NewEvent[] }[] = []
      // The same step queued twice (a request retried while it still runs): the second is the first, done already.
      const decidedBy = new Map<string, number>()
      let unsure = false
      for (const [index, job] of jobs.entries()) {
        const recorded = this.recordedIn(loaded, job.stepId)
        if (recorded.events.length > 0) {
          this.notePosition(job.metadata, recorded.position)
          outcomes.push({ events: recorded.events, version: loaded.version, alreadyDone: true })
          continue
        }
        const earlier = decidedBy.get(job.stepId)
        if (earlier !== undefined) {
          outcomes.push({ sameAs: earlier })
          continue
        }
        decidedBy.set(job.stepId, index)
        try {
          const events = decider.decide(job.command, loaded.state)
          if (events.length === 0) {
            unsure = true
            outcomes.push({ events, version: before, alreadyDone: false })
            continue
          }
          // Checked against the catalogue before the fold moves on: an invalid event fails its own step only.
          const ids = stepIds(job, events.length)
          const recorded = events.map((e, i) => this.newEvent(e, ids[i]!, job.metadata))
          for (const e of events) loaded.state = decider.evolve(loaded.state, e)
          appended.push({ job, index, events, recorded })
          outcomes.push({ events, version: null, alreadyDone: false })
        } catch (error) {
          unsure = true
          outcomes.push({ error })
        }
      }
      if (appended.length === 0) {
        if (cached && unsure) continue
        return this.settle(jobs, outcomes)
      }
      const toAppend = appended.flatMap((a) => a.recorded)
      let result: AppendResult
      try {
        result = await this.store.append(streamId, toAppend, { expectedVersion: before ?? 'no_stream' })
      } catch (error) {
        this.cache.delete(streamId)
        if (error instanceof WrongExpectedVersionError && attempt < 50) continue
        // Another error (an event id recorded with other content, say): each step alone, for its own answer.
        for (const job of jobs) {
          try {
            job.resolve(await this.runStepUnlocked(decider, streamId, job.stepId, job.command, job.metadata, job.options))
          } catch (e) {
            job.reject(e)
          }
        }
        return
      }
      if (result.alreadyAppended) this.cache.delete(streamId)
      else {
        loaded.version = result.nextExpectedVersion
        let k = 0
        for (const a of appended) a.events.forEach((e, i) => loaded.byId.set(a.recorded[i]!.eventId, { event: e, position: result.positions[k++]!.globalPosition }))
      }
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

  private async runStepUnlocked<Command, State>(
    decider: Decider<Command, State>,
    streamId: string,
    stepId: string,
    command: Command,
    metadata: EventMetadata,
    options: { expectedVersion?: number | 'no_stream' },
  ): Promise<{ events: LedgerEvent[]; version: number | null; alreadyDone: boolean }> {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => uuidFromName(`${stepId}#${i}`))
    for (let attempt = 0; ; attempt++) {
      // A cached fold is tried first without asking the store: the append names the version it was decided on,
      // so a fold gone stale cannot write; and a refusal or a "nothing to do" decided on it is decided again on
      // a fresh one, so a stale fold cannot refuse either.
      const cached = attempt === 0 ? this.cachedEntry<State>(decider, streamId) : undefined
      const loaded = cached ?? (await this.loadUnlocked(decider as Decider<never, State>, streamId))
      const { events: recorded, position } = this.recordedIn(loaded as Loaded<unknown>, stepId)
      if (recorded.length > 0) {
        this.notePosition(metadata, position)
        return { events: recorded, version: loaded.version, alreadyDone: true }
      }

      const given = options.expectedVersion
      if (given !== undefined && given !== (loaded.version ?? 'no_stream')) {
        if (cached) continue
        throw new WrongExpectedVersionError(streamId, given, loaded.version)
      }
      let events: LedgerEvent[]
      try {
        events = decider.decide(command, loaded.state)
      } catch (error) {
        if (cached) continue
        throw error
      }
      if (events.length === 0) {
        if (cached) continue
        return { events, version: loaded.version, alreadyDone: false }
      }
      const eventIds = ids(events.length)
      const expectedVersion: ExpectedVersion = loaded.version ?? 'no_stream'
      try {
        const result = await this.store.append(
          streamId,
          events.map((e, i) => this.newEvent(e, eventIds[i]!, metadata)),
          { expectedVersion },
        )
        if (!result.alreadyAppended) {
          for (let i = 0; i < events.length; i++) {
            loaded.state = decider.evolve(loaded.state, events[i]!)
            loaded.byId.set(eventIds[i]!, { event: events[i]!, position: result.positions[i]!.globalPosition })
          }
          loaded.version = result.nextExpectedVersion
        }
        this.notePosition(metadata, result.positions[result.positions.length - 1]!.globalPosition)
        return { events, version: result.nextExpectedVersion, alreadyDone: result.alreadyAppended }
      } catch (error) {
        // Someone else wrote to the stream since it was loaded: with a caller's If-Match that is the caller's
        // conflict; otherwise decide again on the new state.
        if (!(error instanceof WrongExpectedVersionError) || (given !== undefined && !cached) || attempt >= 50) throw error
      }
    }
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
    if (this.positions.size > 10_000) this.positions.delete(this.positions.keys().next().value!)
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
