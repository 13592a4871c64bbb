import postgres from 'postgres'

// What an error from the database means to the ledger: the database is away (answer 503, retry later), or it
// refused one statement (that statement's own fault); and which of its fields may carry a row's data.

/** The driver's own codes for a connection that is gone or never came. */
const DRIVER_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'])
/** The operating system's, for a server that does not answer. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * PostgreSQL's: connection exceptions (class 08), a server shutting down or starting up (57P01–57P03), too many
 * connections (53300).
 */
function serverUnavailable(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300'
}

/** The database does not answer (stopped, restarting, unreachable): nothing about the request was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') return false
  if (error instanceof postgres.PostgresError) return serverUnavailable(code)
  return DRIVER_CODES.has(code) || SOCKET_CODES.has(code)
}

/**
 * Fields of a PostgreSQL error that can quote the data of a row or a statement — `detail` ("Failing row contains
 * (…)"), `where` ("JSON data, line 1: {…}"), the internal query — and so an event's content.
 */
const DATA_FIELDS = ['detail', 'where', 'internal_query'] as const

/** The error as a log may show it below debug: its data-bearing fields replaced by a note. */
export function redactDatabaseError<T extends Record<string, unknown>>(serialized: T): T {
  const out: Record<string, unknown> = { ...serialized }
  for (const field of DATA_FIELDS) {
    if (typeof out[field] === 'string' && out[field] !== '') out[field] = '[redacted: may quote event data; LOG_LEVEL=debug shows it]'
  }
  return out as T
}
