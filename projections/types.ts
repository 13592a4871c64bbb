import type { EventData, EventType } from '../events/index.ts'
import type { RecordedEvent } from '../src/store/port.ts'

/**
 * A stored event as every projection reads it: upcast to its type's current version (applyBatch does it, and leaves
 * out events their schema refuses), its data typed by its type — so a field renamed in events/ fails to compile here.
 */
export type ProjectedEvent = { [T in EventType]: Omit<RecordedEvent, 'type' | 'data'> & { type: T; data: EventData<T> } }[EventType]

/** A row of a read model as plain JSON values: numbers (kopecks, counts), strings (ids, dates), objects (jsonb). */
export type Row = Record<string, unknown>

/** The rows an event may read or write, by table and primary key (in the order of the key's columns). */
export interface RowRef {
  table: string
  key: readonly (string | number)[]
}

/** The rows a batch of events works on, loaded before and written after; apply sees only what it declared. */
export interface Rows {
  get<T extends Row = Row>(table: string, key: readonly (string | number)[]): T | undefined
  put(table: string, key: readonly (string | number)[], row: Row): void
  delete(table: string, key: readonly (string | number)[]): void
}

/**
 * A read model: its tables (`tables.sql`) and reporting views (`views.sql`) beside it, with `{{schema}}` for
 * the generation's schema, and two pure functions. `touches` names the rows an event concerns, from the event
 * alone; `apply` changes those rows. The same two functions build the live tables, a rebuild, and an as-of
 * replay in memory, so all three agree by construction.
 */
export interface Projection {
  name: string
  /** Bump when the tables or the meaning of a column change: the projection is then rebuilt. */
  version: number
  /** The folder holding tables.sql and views.sql. */
  dir: string
  tables: string[]
  touches(event: ProjectedEvent): RowRef[]
  apply(rows: Rows, event: ProjectedEvent): void
}
