import { catalogue, definitionOf, type LedgerEvent } from '../../events/index.ts'
import type { Decider } from '../domain/decider.ts'
import type { EventMetadata, EventStore, ExpectedVersion, RecordedEvent } from '../store/port.ts'
import { StreamNotFoundError, WrongExpectedVersionError } from '../store/port.ts'
import { uuidFromName } from './ids.ts'

interface Loaded<State> {
  state: State
  /** Position of the stream's last event, null when it has none. */
  version: number | null
  /** The stream's events by id with their global positions, to find what an earlier run of a step wrote. */
  byId: Map<string, { event: LedgerEvent; position: bigint }>
}

/** Converts a stored event to the domain's view of it. */
export const toLedgerEvent = (e: RecordedEvent): LedgerEvent => ({ type: e.type, data: e.data }) as LedgerEvent

export class UnknownStoredEventError extends Error {}

/**
 * Loads aggregates by folding their streams, keeping recent ones in memory: a stream only grows, so a cached
 * fold stays valid and only the events after its version are read again. Appends go through `runStep`.
 */
export class Aggregates {
  private readonly cache = new Map<string, Loaded<unknown> & { decider: unknown }>()

  private readonly locks = new Map<string, Promise<unknown>>()

  constructor(readonly store: EventStore, private readonly capacity = 20_000) {}

  /** Runs `work` after every earlier work on the same stream in this process: a cached fold has one writer. */
  private serialized<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(streamId) ?? Promise.resolve()
    const next = previous.then(work, work)
    const tail = next.then(
      () => {},
      () => {},
    )
    this.locks.set(streamId, tail)
    void tail.then(() => {
      if (this.locks.get(streamId) === tail) this.locks.delete(streamId)
    })
    return next
  }

  load<State>(decider: Decider<never, State>, streamId: string): Promise<Loaded<State>> {
    return this.serialized(streamId, () => this.loadUnlocked(decider, streamId))
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
    return this.serialized(streamId, () => this.runStepUnlocked(decider, streamId, stepId, command, metadata, options))
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
      const recorded: LedgerEvent[] = []
      let position = 0n
      for (let i = 0; ; i++) {
        const e = loaded.byId.get(uuidFromName(`${stepId}#${i}`))
        if (!e) break
        recorded.push(e.event)
        position = e.position
      }
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
          events.map((e, i) => {
            const definition = definitionOf(e.type, catalogue[e.type].schemaVersion)!
            return { eventId: eventIds[i]!, type: e.type, schemaVersion: definition.schemaVersion, data: definition.schema.parse(e.data), metadata }
          }),
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
    const loaded = await this.load(decider, streamId)
    const recorded: LedgerEvent[] = []
    for (let i = 0; ; i++) {
      const e = loaded.byId.get(uuidFromName(`${stepId}#${i}`))
      if (!e) return recorded
      recorded.push(e.event)
    }
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
