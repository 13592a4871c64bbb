import { formatAmount } from '../src/domain/money.ts'

// What every read model's reader shares: rows as JSON read by column name, amounts shown as decimal strings, pages.

// biome-ignore lint/suspicious/noExplicitAny: rows are JSON read by column name
export type R = Record<string, any>

/** Kopecks of a row as the API shows them: "7760.00". */
export const money = (k: unknown) => formatAmount(Number(k ?? 0))

export interface Page<T> {
  items: T[]
  /** Pass as `after` for the next page; null on the last one. */
  next: string | null
}
