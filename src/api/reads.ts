import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { ProjectionReader } from '../../projections/read.ts'
import { callerOf } from './auth.ts'
import { ProblemError } from './problem.ts'

/** The largest global position: the log's positions are PostgreSQL bigints. */
export const MAX_LOG_POSITION = 9_223_372_036_854_775_807n

/** A global position of the log in a query parameter, bounded by what the database stores. */
export const logPosition = z.coerce.bigint().min(1n).max(MAX_LOG_POSITION, `a position is at most ${MAX_LOG_POSITION}`)

/** Query parameters every read accepts: wait for a position (read-your-writes). */
export const readQuery = {
  minPosition: logPosition
    .optional()
    .describe('wait (up to 10 s) until the read model includes the event at this global position, e.g. the X-Ledger-Position of a command'),
}

/**
 * Before answering from projections: waits for `minPosition` when asked (503 if the projections do not get
 * there in time), then tells in `X-Ledger-Current-Position` (and the returned string) how far they are current.
 */
export async function currentTo(reader: ProjectionReader, reply: FastifyReply, names: readonly string[], minPosition?: bigint): Promise<string> {
  if (minPosition !== undefined && !(await reader.waitFor(names, minPosition, 10_000))) {
    throw new ProblemError(503, 'projection_behind', 'Not current yet', `the read model has not reached position ${minPosition} yet; try again`)
  }
  const position = (await reader.position(names)).globalPosition.toString()
  reply.header('x-ledger-current-position', position)
  return position
}

/** A payer reads only the municipalities it pays in; other roles allowed on the route read all. */
export async function requireMunicipalityScope(reader: ProjectionReader, request: FastifyRequest, municipality: string): Promise<void> {
  const caller = callerOf(request)
  if (caller.role !== 'payer') return
  if (!(await reader.municipalitiesOfPayer(caller.payerId!)).includes(municipality)) {
    throw new ProblemError(403, 'forbidden', 'Forbidden', `payer ${caller.payerId} does not pay in ${municipality}`)
  }
}

/** `YYYY-MM-DD` as of the end of that day in the ledger's time zone, or an ISO instant. */
export function endOfDay(date: string, timeZone: string): Date {
  if (date.includes('T')) return new Date(date)
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const guess = Date.UTC(y, m - 1, d + 1)
  const offset = zoneOffsetMs(guess, timeZone)
  return new Date(guess - offset)
}

function zoneOffsetMs(utc: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(utc))
      .map((p) => [p.type, p.value]),
  )
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second))
  return local - utc
}
