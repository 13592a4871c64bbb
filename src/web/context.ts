import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ProjectionReader } from '../../projections/read.ts'
import { commandContext } from '../api/commands.ts'
import { MESSAGES_RU } from '../api/messages-ru.ts'
import type { Application, CommandContext } from '../app/context.ts'
import type { Role } from '../auth/tokens.ts'
import type { Database } from '../db/database.ts'
import { DomainError } from '../domain/errors.ts'
import type { EventStore } from '../store/port.ts'
import { html, type SafeHtml } from './html.ts'
import type { WebSession } from './sessions.ts'

// What every page module receives, and the few things pages share: the session of a request, refusals as pages.

export interface WebDependencies {
  db: Database
  store: EventStore
  ledger: Application
  reader: ProjectionReader
  timeZone: string
  runner?: { poke(): void } | undefined
  /** Secure cookies: always, never, or when the request came over https (behind a proxy: X-Forwarded-Proto). */
  secureCookies: 'auto' | 'always' | 'never'
  sessionMinutes: number
  authFailuresPerMinute: number
}

declare module 'fastify' {
  interface FastifyRequest {
    webSession: WebSession | null
  }
  interface FastifyContextConfig {
    /** The roles that may open this workspace page (the same as the API routes it shows). */
    webRoles?: readonly Role[]
  }
}

/** A page that cannot be shown: its status and a Russian sentence saying why. */
export class WebError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The problem code this refusal stands for, when it is one (forbidden, csrf_failed). */
    readonly code: string | null = null,
  ) {
    super(message)
    this.name = 'WebError'
  }
}

/** The session of a request that passed its page's role check (the preHandler guarantees one). */
export function sessionOf(request: FastifyRequest): WebSession {
  if (!request.webSession) throw new WebError(401, 'Войдите, чтобы продолжить.')
  return request.webSession
}

/** The context of a command made from a page: the signed-in user's token is the actor, as on the API. */
export const pageCommandContext = (request: FastifyRequest): CommandContext => commandContext(request)

/**
 * After a command: pokes the projections and waits (briefly) until they include what the command wrote, so the
 * page shown next already shows it.
 */
export async function waitForCommand(deps: WebDependencies, correlationId: string, projections: readonly string[]): Promise<void> {
  const position = deps.ledger.aggregates.takePosition(correlationId)
  if (position === undefined || position === null) return
  deps.runner?.poke()
  await deps.reader.waitFor(projections, position, 5_000)
}

/** A refusal of the ledger as a Russian sentence: the catalogue's message by its code. */
export function refusalText(error: unknown): string | null {
  if (error instanceof DomainError) return MESSAGES_RU[error.code] ?? error.message
  const code = (error as { code?: unknown }).code
  if (error instanceof Error && typeof code === 'string' && MESSAGES_RU[code]) return MESSAGES_RU[code]
  return null
}

export const sendPage = (reply: FastifyReply, text: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(text)

export const messageBox = (kind: 'error' | 'ok' | 'notice', text: string | SafeHtml | null | undefined) =>
  text ? html`<div class="${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</div>` : ''
