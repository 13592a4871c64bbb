import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CommandContext, CommandOutcome } from '../app/context.ts'
import { eventMetadataOf } from './auth.ts'

/** The command context of a request: who calls, its correlation and idempotency keys, and its If-Match. */
export function commandContext(request: FastifyRequest): CommandContext {
  const ifMatch = request.headers['if-match']
  const ctx: CommandContext = { metadata: eventMetadataOf(request) }
  if (typeof ifMatch === 'string') {
    const value = ifMatch.replaceAll('"', '')
    ctx.expectedVersion = value === 'no-stream' ? 'no_stream' : Number(value)
  }
  return ctx
}

/** Sends a command's result with the stream's new version as its ETag. */
export function sendOutcome<T extends CommandOutcome>(reply: FastifyReply, status: number, outcome: T, body: object) {
  if (outcome.version !== null) reply.header('etag', `"${outcome.version}"`)
  return reply.code(status).send(body)
}
