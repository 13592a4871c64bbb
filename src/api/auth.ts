import crypto from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { actorOf, type Caller, findCaller, type Role } from '../auth/tokens.ts'
import type { Sql } from '../db/database.ts'
import type { EventMetadata } from '../store/port.ts'
import { ProblemError } from './problem.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The roles allowed to call this route; every `/v1` route must declare them. */
    roles?: readonly Role[]
  }
  interface FastifyRequest {
    caller: Caller | null
  }
}

export const ALL_ROLES: readonly Role[] = ['operator', 'payer', 'provider', 'auditor', 'reporting']

/**
 * Bearer-token access control for `/v1`: no or unknown token is 401, a role the route does not list is 403.
 * A route under `/v1` without `config.roles` is a programming error and stops the server from starting.
 */
export function registerAuth(app: FastifyInstance, sql: Sql): void {
  app.decorateRequest('caller', null)
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1/') && !route.config?.roles) {
      throw new Error(`route ${route.method} ${route.url} does not declare the roles that may call it`)
    }
  })
  app.addHook('onRequest', async (request) => {
    const roles = request.routeOptions.config.roles
    if (!roles) return
    const header = request.headers.authorization
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (!match) {
      throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'send a bearer token: Authorization: Bearer <token>')
    }
    const caller = await findCaller(sql, match[1]!)
    if (!caller) throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'the bearer token is unknown or revoked')
    request.caller = caller
    if (!roles.includes(caller.role)) {
      throw new ProblemError(
        403,
        'forbidden',
        'Forbidden',
        `role ${caller.role} may not call this route; allowed: ${roles.join(', ')}`,
      )
    }
  })
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
