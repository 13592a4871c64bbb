import type { FastifyServerOptions } from 'fastify'
import pino from 'pino'
import postgres from 'postgres'
import { redactDatabaseError } from '../db/errors.ts'

type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>

const DEBUG_LEVELS = new Set(['debug', 'trace'])

/**
 * The error serializer of the ledger's logs. A PostgreSQL error's detail and context can quote the row or the JSON
 * it refused — an event's content — so below debug they are redacted; at debug and trace they are shown whole.
 */
function errorSerializer(level: string): (error: unknown) => unknown {
  const whole = DEBUG_LEVELS.has(level)
  const serialize = (error: unknown): unknown => {
    if (!(error instanceof Error)) return error
    const out = pino.stdSerializers.err(error) as unknown as Record<string, unknown>
    if (whole) return out
    const redacted = error instanceof postgres.PostgresError ? redactDatabaseError(out) : out
    return error.cause instanceof Error ? { ...redacted, cause: serialize(error.cause) } : redacted
  }
  return serialize
}

/** Logger options with that serializer, for the level asked (info when none). */
export function withErrorRedaction(options: LoggerOptions): LoggerOptions {
  const level = ('level' in options && typeof options.level === 'string' ? options.level : undefined) ?? 'info'
  const given = 'serializers' in options ? options.serializers : undefined
  return { ...options, serializers: { err: errorSerializer(level), ...given } } as LoggerOptions
}
