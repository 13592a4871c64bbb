import crypto from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { actorOf, type Caller, findCaller, type Role } from '../auth/tokens.ts'
import type { Sql } from '../db/database.ts'
import type { EventMetadata } from '../store/port.ts'
import { cookieValue, findSession, SESSION_COOKIE } from '../web/sessions.ts'
import { ProblemError } from './problem.ts'
import { DEFAULT_RATE_LIMITS, MinuteCounter, type RateLimits } from './rate-limit.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The roles allowed to call this route; every `/v1` route must declare them. */
    roles?: readonly Role[]
    /** A `/v1` route that answers without a token (the transparency log's, when configured public). */
    public?: boolean
  }
  interface FastifyRequest {
    caller: Caller | null
  }
}

export const ALL_ROLES: readonly Role[] = ['operator', 'payer', 'provider', 'auditor', 'reporting']

const tooMany = (retryAfter: number, detail: string) => new ProblemError(429, 'rate_limited', 'Too many requests', detail, { retryAfter })

/**
 * Bearer-token access control for `/v1`: no or unknown token is 401, a role the route does not list is 403.
 * A route under `/v1` without `config.roles` is a programming error and stops the server from starting.
 * A client address with too many failed authentications in a minute is refused (429) before its token is even
 * looked up, and so is a token that made too many requests in a minute.
 */
export function registerAuth(app: FastifyInstance, sql: Sql, limits: RateLimits = DEFAULT_RATE_LIMITS): void {
  const failures = new MinuteCounter(limits.authFailuresPerMinute)
  const perToken = new MinuteCounter(limits.requestsPerTokenPerMinute)
  app.decorateRequest('caller', null)
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1/') && !route.config?.roles && !route.config?.public) {
      throw new Error(`route ${route.method} ${route.url} does not declare the roles that may call it`)
    }
  })
  app.addHook('onRequest', async (request) => {
    const roles = request.routeOptions.config.roles
    if (!roles) return
    await authenticate(request, roles)
  })

  /** Sets `request.caller` from the bearer token, or throws the 401, 403 or 429 the request deserves. */
  async function authenticate(request: FastifyRequest, roles: readonly Role[]): Promise<void> {
    const blocked = failures.blocked(request.ip)
    if (blocked !== null) throw tooMany(blocked, `too many failed authentications from ${request.ip}; try again in ${blocked} s`)
    const header = request.headers.authorization
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    // A download linked from the workspace (a CSV, an invoice's PDF) is a GET with the session cookie instead of a
    // token: the session stands for the token it was opened with. Never for a command: those need the token itself.
    const session = !header && (request.method === 'GET' || request.method === 'HEAD') ? cookieValue(request.headers.cookie, SESSION_COOKIE) : null
    const fromSession = session ? ((await findSession(sql, session))?.caller ?? null) : null
    if (fromSession) {
      const over = perToken.hit(fromSession.tokenId)
      if (over !== null) throw tooMany(over, `this token made more than ${perToken.limit} requests in a minute; try again in ${over} s`)
      request.caller = fromSession
      if (!roles.includes(fromSession.role)) {
        throw new ProblemError(403, 'forbidden', 'Forbidden', `role ${fromSession.role} may not call this route; allowed: ${roles.join(', ')}`)
      }
      return
    }
    if (!match) {
      failures.hit(request.ip)
      throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'send a bearer token: Authorization: Bearer <token>')
    }
    const caller = await findCaller(sql, match[1]!)
    if (!caller) {
      failures.hit(request.ip)
      throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'the bearer token is unknown, revoked or expired')
    }
    const over = perToken.hit(caller.tokenId)
    if (over !== null) throw tooMany(over, `this token made more than ${perToken.limit} requests in a minute; try again in ${over} s`)
    request.caller = caller
    if (!roles.includes(caller.role)) {
      throw new ProblemError(403, 'forbidden', 'Forbidden', `role ${caller.role} may not call this route; allowed: ${roles.join(', ')}`)
    }
  }
  app.decorate('authenticate', authenticate)
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Authenticates a request outside `/v1` routes' own hook (the documentation's routes, say). */
    authenticate(request: FastifyRequest, roles: readonly Role[]): Promise<void>
  }
}

/** The authenticated caller of a `/v1` route (the onRequest hook guarantees one). */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'no authenticated caller')
  return request.caller
}

/** The metadata every event caused by this request carries: who, which request, which idempotency key. */
export function eventMetadataOf(request: FastifyRequest): EventMetadata {
  const key = request.headers['idempotency-key']
  return {
    actor: actorOf(callerOf(request)),
    correlationId: request.id,
    causationId: null,
    idempotencyKey: typeof key === 'string' && key.length > 0 ? key : null,
  }
}

/** Request ids double as correlation ids; a caller may pass its own in `X-Correlation-Id`. */
export function requestIdOf(headers: Record<string, string | string[] | undefined>): string {
  const given = headers['x-correlation-id']
  if (typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given)) return given
  return crypto.randomUUID()
}
