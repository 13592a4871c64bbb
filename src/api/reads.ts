import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { CertificateView, ProjectionReader } from '../../projections/read.ts'
import { requireReach } from '../app/scope.ts'
import { type AsOf, parseKnownAt, todayIn } from '../audit/as-of.ts'
import { dateFormatHint } from '../domain/dates.ts'
import { callerOf } from './auth.ts'
import { ProblemError } from './problem.ts'
import { date } from './schemas.ts'

/** The largest global position: the log's positions are PostgreSQL bigints. */
const MAX_LOG_POSITION = 9_223_372_036_854_775_807n

/** A global position of the log in a query parameter, bounded by what the database stores. */
const logPosition = z.coerce.bigint().min(1n).max(MAX_LOG_POSITION, `a position is at most ${MAX_LOG_POSITION}`)

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

/** A municipality's aggregates and lists: a payer reaches the municipalities whose periods it pays (src/app/scope.ts). */
export async function requireMunicipalityScope(reader: ProjectionReader, request: FastifyRequest, municipality: string): Promise<void> {
  const caller = callerOf(request)
  if (caller.role !== 'payer' && caller.role !== 'provider') return
  requireReach(caller, { kind: 'municipality', id: municipality, payers: [...(await reader.certificates.periodPayers(municipality)).values()] })
}

/** A certificate: a payer reaches one holding money of its periods or with contracts it pays (src/app/scope.ts). */
export async function requireCertificateScope(
  reader: ProjectionReader,
  request: FastifyRequest,
  view: CertificateView | null,
  number = view?.certificateNumber ?? '',
): Promise<void> {
  const caller = callerOf(request)
  if (caller.role !== 'payer' && caller.role !== 'provider') return
  // Not in the read model yet: nobody's but the operators' until it is.
  if (!view) return requireReach(caller, { kind: 'certificate', id: number, payers: [] })
  const periods = await reader.certificates.periodPayers(view.municipality)
  const payers = [...view.periods.map((p) => periods.get(p.periodId)), ...view.contracts.map((c) => c.payerId)].filter((p): p is string => Boolean(p))
  requireReach(caller, { kind: 'certificate', id: view.certificateNumber, payers })
}

/** Query parameters of every answer "as of" (certificate, contract, history). */
export const asOfQuery = {
  asOf: date.optional().describe('a business date: what was true on that day, as the ledger knows it now (events effective on or before it)'),
  knownAt: z
    .string()
    .refine((s) => isKnownAt(s), {
      error: (issue) =>
        `knownAt is YYYY-MM-DD (the end of that day in LEDGER_TIME_ZONE) or an ISO instant with its offset${dateFormatHint(String(issue.input))}`,
    })
    .optional()
    .describe('what the ledger had recorded by then: YYYY-MM-DD (the end of that day in LEDGER_TIME_ZONE) or an ISO instant; combines with asOf'),
  position: logPosition.optional().describe('what the ledger had recorded up to and including the event at this global position; combines with asOf'),
}

const isKnownAt = (s: string) => {
  try {
    parseKnownAt(s, 'UTC')
    return true
  } catch {
    return false
  }
}

/** The as-of question the query asks, or null when it asks for the answer now. */
export function asOfFrom(query: { asOf?: string | undefined; knownAt?: string | undefined; position?: bigint | undefined }, timeZone: string): AsOf | null {
  if (query.asOf === undefined && query.knownAt === undefined && query.position === undefined) return null
  return {
    on: query.asOf ?? null,
    known: {
      ...(query.position !== undefined ? { position: query.position } : {}),
      ...(query.knownAt !== undefined ? { recordedBefore: parseKnownAt(query.knownAt, timeZone) } : {}),
    },
  }
}

/** The question in words, for the answer's `asOf` and for messages. */
export function describeAsOf(a: AsOf): string {
  const known = [
    a.known.recordedBefore ? `recorded before ${a.known.recordedBefore.toISOString()}` : null,
    a.known.position !== undefined ? `up to event ${a.known.position}` : null,
  ].filter(Boolean)
  return [a.on ? `on ${a.on}` : null, known.length ? `as known ${known.join(' and ')}` : null].filter(Boolean).join(', ')
}

/**
 * A payment (or its reversal) happened on a day that has come: dated after today in the ledger's time zone it is
 * refused at the edge (deciders never read the clock).
 */
export function notAfterToday(date: string, field: string, timeZone: string): void {
  const today = todayIn(timeZone)
  if (date > today) {
    throw new ProblemError(422, 'date_in_future', 'Date in the future', `${field} ${date} is after today (${today} in ${timeZone})`, {
      errors: [{ location: 'body', path: field, message: `not after ${today}` }],
    })
  }
}
