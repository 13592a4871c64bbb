import { effectiveBy, upcast } from '../../events/index.ts'
import { DateFormatError, type IsoDate, isValidDate } from '../domain/dates.ts'
import type { LogBound, RecordedEvent } from '../store/port.ts'

// Two questions an auditor asks of the past, and their combination (bitemporal):
// - "as of a business date": what was true on that date, as the ledger knows it now — every event effective on or
//   before the date (its business date, events/business-date.ts), whenever it was recorded;
// - "known at": what the ledger said at a moment — every event recorded up to an instant or a log position,
//   whatever its business date.

export interface AsOf {
  /** Effective on or before this business date (null: every business date). */
  on: IsoDate | null
  /** Recorded up to this bound (empty: everything recorded). */
  known: LogBound
}

/** Keeps the events effective on or before `on` (events without a business date always are). */
export function effectiveOn(on: IsoDate | null): (e: RecordedEvent) => boolean {
  return on === null ? () => true : (e) => effectiveBy(upcast(e), on)
}

/** `YYYY-MM-DD` as the end of that day in the ledger's time zone, or an ISO instant with its offset. */
export function parseKnownAt(text: string, timeZone: string, field = 'knownAt'): Date {
  if (isValidDate(text)) return endOfDay(text, timeZone)
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) && !Number.isNaN(Date.parse(text))) return new Date(text)
  throw new DateFormatError(text, field, 'moment (YYYY-MM-DD, the end of that day, or an ISO instant such as 2024-01-10T12:00:00+03:00)')
}

/** The end of a calendar day in a time zone: the first instant of the next day there. */
export function endOfDay(date: IsoDate, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const guess = Date.UTC(y, m - 1, d + 1)
  return new Date(guess - zoneOffsetMs(guess, timeZone))
}

/** Today's calendar date in a time zone (the business date "today" at the edge; deciders never read a clock). */
export function todayIn(timeZone: string, now = new Date()): IsoDate {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now).map((p) => [p.type, p.value]),
  )
  return `${parts.year}-${parts.month}-${parts.day}`
}

function zoneOffsetMs(utc: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(utc))
      .map((p) => [p.type, p.value]),
  )
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second))
  return local - utc
}
