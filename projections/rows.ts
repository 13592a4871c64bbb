import type { Row, RowRef, Rows } from './types.ts'

export const keyString = (key: readonly (string | number)[]) => key.map(String).join('\u0000')

/**
 * Rows held in memory with what changed: loaded for a batch (or empty, for a replay from the start), changed
 * by `apply`, and written back as upserts and deletes.
 */
export class RowSet implements Rows {
  /** table → key → row (null: known to be absent) */
  readonly rows = new Map<string, Map<string, { key: readonly (string | number)[]; row: Row | null }>>()
  readonly dirty = new Map<string, Set<string>>()
  /** When true, a row not loaded is an error: apply asked for something its `touches` did not declare. */
  constructor(private readonly strict: boolean) {}

  private table(name: string) {
    let t = this.rows.get(name)
    if (!t) this.rows.set(name, (t = new Map()))
    return t
  }

  /** Rows held, present or known absent, over every table. */
  get size(): number {
    let n = 0
    for (const t of this.rows.values()) n += t.size
    return n
  }

  load(table: string, key: readonly (string | number)[], row: Row | null) {
    this.table(table).set(keyString(key), { key, row })
  }

  has(ref: RowRef) {
    return this.rows.get(ref.table)?.has(keyString(ref.key)) ?? false
  }

  get<T extends Row = Row>(table: string, key: readonly (string | number)[]): T | undefined {
    const entry = this.rows.get(table)?.get(keyString(key))
    if (!entry) {
      if (this.strict) throw new Error(`projection read ${table} ${JSON.stringify(key)} without declaring it in touches()`)
      return undefined
    }
    return (entry.row ?? undefined) as T | undefined
  }

  put(table: string, key: readonly (string | number)[], row: Row) {
    const k = keyString(key)
    if (this.strict && !this.rows.get(table)?.has(k)) throw new Error(`projection wrote ${table} ${JSON.stringify(key)} without declaring it in touches()`)
    this.table(table).set(k, { key, row })
    this.markDirty(table, k)
  }

  delete(table: string, key: readonly (string | number)[]) {
    const k = keyString(key)
    this.table(table).set(k, { key, row: null })
    this.markDirty(table, k)
  }

  private markDirty(table: string, k: string) {
    let d = this.dirty.get(table)
    if (!d) this.dirty.set(table, (d = new Set()))
    d.add(k)
  }

  /** Every present row of a table, in key order (for replays and comparisons). */
  all(table: string): Row[] {
    return [...(this.rows.get(table)?.entries() ?? [])]
      .filter(([, v]) => v.row !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => v.row!)
  }
}
