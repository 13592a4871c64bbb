import type { EventData, EventType, LedgerEvent } from '../../events/index.ts'

/**
 * A decider (after Emmett and the functional event-sourcing literature): `decide` turns a command and the
 * current state into new events or a DomainError; `evolve` folds one event into the state. Both are pure with
 * respect to the world: no I/O, no clock, business dates arrive in commands. For speed on long streams,
 * `evolve` may update the state object it was given (the fold owns it); `decide` never changes its state.
 */
export interface Decider<Command, State> {
  initialState: () => State
  evolve: (state: State, event: LedgerEvent) => State
  decide: (command: Command, state: State) => LedgerEvent[]
}

export const event = <T extends EventType>(type: T, data: EventData<T>): LedgerEvent => ({ type, data }) as LedgerEvent

export function fold<State>(decider: Pick<Decider<never, State>, 'initialState' | 'evolve'>, events: readonly LedgerEvent[]): State {
  let state = decider.initialState()
  for (const e of events) state = decider.evolve(state, e)
  return state
}

/** One decision per command type: how a decider's `decide` reads as a list of short functions, one per command. */
export type Decisions<Command extends { type: string }, State> = {
  [K in Command['type']]: (command: Extract<Command, { type: K }>, state: State) => LedgerEvent[]
}

/** A decider's `decide` from its decisions, one per command type. */
export function byCommand<Command extends { type: string }, State>(decisions: Decisions<Command, State>): (command: Command, state: State) => LedgerEvent[] {
  return (command, state) => (decisions[command.type as Command['type']] as (c: Command, s: State) => LedgerEvent[])(command, state)
}
