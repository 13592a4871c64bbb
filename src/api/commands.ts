import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Application, CommandContext, CommandOutcome } from '../app/context.ts'
import { eventMetadataOf } from './auth.ts'

/** The command context of a request: who calls, its correlation and idempotency keys, and its If-Match. */
export function commandContext(request: FastifyRequest): CommandContext {
  const ifMatch = request.headers['if-match']
  const ctx: CommandContext = { metadata: eventMetadataOf(request), caller: request.caller }
  if (typeof ifMatch === 'string') {
    const value = ifMatch.replaceAll('"', '')
    ctx.expectedVersion = value === 'no-stream' ? 'no_stream' : Number(value)
  }
  return ctx
}

/**
 * Sends a command's result with the stream's new version as its ETag, and in `X-Ledger-Position` the global
 * position of the last event the command wrote: pass it as `minPosition` to a read to see the command's effect.
 */
export function sendOutcome<T extends CommandOutcome>(reply: FastifyReply, status: number, outcome: T, body: object, ledger?: Application) {
  if (outcome.version !== null) reply.header('etag', `"${outcome.version}"`)
  const position = ledger?.aggregates.takePosition(reply.request.id)
  if (position !== undefined && position !== null) reply.header('x-ledger-position', position.toString())
  return reply.code(status).send(body)
}
