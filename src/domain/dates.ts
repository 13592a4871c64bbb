/**
 * Business dates are calendar dates without a time zone, written YYYY-MM-DD, and months YYYY-MM. They arrive
 * in commands; the ledger never reads the clock to decide anything.
 */
export type IsoDate = string
export type IsoMonth = string

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const MONTH = /^(\d{4})-(\d{2})$/

export class DateFormatError extends Error {
  constructor(
    readonly input: string,
    readonly field?: string,
    kind = 'date (YYYY-MM-DD)',
  ) {
    super(`${field ? `${field}: ` : ''}${JSON.stringify(input)} is not a valid ${kind}${dateFormatHint(input)}`)
    this.name = 'DateFormatError'
  }
}

/** A hint for a date written the Russian way (ДД.ММ.ГГГГ): how to write it instead; empty otherwise. */
export function dateFormatHint(input: string): string {
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(input.trim())
  if (!m) return ''
  return `: write ${input.trim()} as ${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')} (YYYY-MM-DD)`
}

export function isValidDate(text: string): boolean {
  const m = DATE.exec(text)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo)
}

export function isValidMonth(text: string): boolean {
  const m = MONTH.exec(text)
  return Boolean(m) && Number(m![2]) >= 1 && Number(m![2]) <= 12
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** Days since 1970-01-01 (UTC calendar arithmetic: no time zone can shift a day). */
export function dayNumber(date: IsoDate): number {
  const m = DATE.exec(date)!
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000
}

export function fromDayNumber(day: number): IsoDate {
  return new Date(day * 86_400_000).toISOString().slice(0, 10)
}

/** Days from `from` to `to`, both included. */
export const daysInclusive = (from: IsoDate, to: IsoDate) => dayNumber(to) - dayNumber(from) + 1

export const monthOf = (date: IsoDate): IsoMonth => date.slice(0, 7)

export function firstDayOfMonth(month: IsoMonth): IsoDate {
  return `${month}-01`
}

export function lastDayOfMonth(month: IsoMonth): IsoDate {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return `${month}-${String(daysInMonth(y, m)).padStart(2, '0')}`
}

export function addMonths(month: IsoMonth, n: number): IsoMonth {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const index = y * 12 + (m - 1) + n
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`
}

/** The calendar months a date range touches, in order (15 Oct – 31 May: 8 months). */
export function monthsTouched(from: IsoDate, to: IsoDate): IsoMonth[] {
  const months: IsoMonth[] = []
  for (let m = monthOf(from); m <= monthOf(to); m = addMonths(m, 1)) months.push(m)
  return months
}

export const minDate = (a: IsoDate, b: IsoDate) => (a < b ? a : b)
export const maxDate = (a: IsoDate, b: IsoDate) => (a > b ? a : b)

/** Completed years of age on a date. */
export function ageOn(birthDate: IsoDate, on: IsoDate): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number]
  const [y, m, d] = on.split('-').map(Number) as [number, number, number]
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0)
}

/** The date `n` days after (or before, for a negative `n`) a date. */
export const addDays = (date: IsoDate, n: number): IsoDate => fromDayNumber(dayNumber(date) + n)
