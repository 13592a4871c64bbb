import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import { ProjectionReader } from '../../projections/read.ts'
import { Application } from '../app/context.ts'
import { organisationLookup } from '../app/organisations.ts'
import type { Database } from '../db/database.ts'
import { isDatabaseUnavailable } from '../db/errors.ts'
import { DomainError } from '../domain/errors.ts'
import type { OrganisationLookup } from '../domain/organisation.ts'
import { QuoteInputError } from '../domain/pricing.ts'
import { findUnstorableText } from '../domain/text.ts'
import type { EventStore } from '../store/port.ts'
import { EventStoreError, StreamNotFoundError, WrongExpectedVersionError } from '../store/port.ts'
import type { TransparencyLog } from '../transparency/service.ts'
import { webRoutes } from '../web/plugin.ts'
import { ALL_ROLES, registerAuth, requestIdOf } from './auth.ts'
import { withErrorRedaction } from './logging.ts'
import { documentRoute } from './openapi.ts'
import { ProblemError, sendProblem } from './problem.ts'
import { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limit.ts'
import { certificateRoutes } from './routes/certificates.ts'
import { contractRoutes } from './routes/contracts.ts'
import { groupRoutes } from './routes/groups.ts'
import { healthRoutes } from './routes/health.ts'
import { historyRoutes } from './routes/history.ts'
import { listRoutes } from './routes/lists.ts'
import { municipalityRoutes } from './routes/municipalities.ts'
import { payerRoutes } from './routes/payers.ts'
import { programmeRoutes } from './routes/programmes.ts'
import { providerRoutes } from './routes/providers.ts'
import { quoteRoutes } from './routes/quotes.ts'
import { reconciliationRoutes } from './routes/reconciliation.ts'
import { settlementRoutes } from './routes/settlement.ts'
import { streamRoutes } from './routes/streams.ts'
import { tokenRoutes } from './routes/tokens.ts'
import { transparencyRoutes } from './routes/transparency.ts'
import { whoamiRoutes } from './routes/whoami.ts'

export interface ServerDependencies {
  db: Database
  store: EventStore
  /** The application layer; by default one over `store`. */
  ledger?: Application
  /** The read side; by default over `db` and `store`. */
  reader?: ProjectionReader
  /** The projection runner of this process, woken after every command so reads catch up at once. */
  runner?: { poke(): void }
  /** The organisations' requisites the documents print; by default the registry's, in force on each document's date. */
  organisations?: OrganisationLookup
  /** Where a business date ends, for `asOf=YYYY-MM-DD`. */
  timeZone?: string
  logger?: FastifyServerOptions['logger']
  /** Extra plugins registered after the ledger's own routes (tests use it for probe routes). */
  plugins?: ((app: FastifyInstance) => Promise<void> | void)[]
  /** Failed authentications per client address and requests per token, per minute (0: no limit). */
  rateLimits?: RateLimits
  /** The largest request body in bytes. */
  bodyLimit?: number
  /** `/docs` and `/openapi.json` without a token; by default they need one of any role. */
  publicDocs?: boolean
  /** Whose X-Forwarded-For to believe for the client address: every proxy, the nearest N, or these addresses. */
  trustProxy?: boolean | number | string[]
  /** The workspace's sessions: Secure cookies (always, never, or over https) and how long a session lasts. */
  web?: { secureCookies?: 'auto' | 'always' | 'never'; sessionMinutes?: number }
  /** The transparency log's checkpoints, key and proofs; its routes are left out without it. */
  transparency?: { log: TransparencyLog; public: boolean }
}

/**
 * The largest body a route takes: commands are under 1 KB; a 500-character reason written entirely as JSON
 * \u escapes is 3 KB. A route that takes files (the bank statement upload) sets a limit of its own.
 */
const DEFAULT_BODY_LIMIT = 16 * 1024

const version = '0.1.0'

export async function buildServer(deps: ServerDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger === true ? withErrorRedaction({}) : deps.logger ? withErrorRedaction(deps.logger) : false,
    genReqId: (req) => requestIdOf(req.headers),
    requestIdHeader: false,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: typeof deps.trustProxy === 'number' ? (_address: string, hop: number) => hop < (deps.trustProxy as number) : (deps.trustProxy ?? false),
    // A URL fastify cannot decode (a percent-encoded lone surrogate, say) is a problem document like any other 400.
    frameworkErrors: (error, request, reply) => sendProblem(request, reply, { status: 400, code: 'bad_request', title: 'Bad request', detail: error.message }),
  })
  // One rule for every string of every request, before any route's schema: text the database cannot store (a NUL,
  // a lone surrogate) is a 400 naming the field, whichever route, parameter or body field carries it.
  app.addHook('preValidation', async (request) => {
    // Headers too: an HTTP parser refuses a NUL there, but not every way in goes through one (inject, a proxy).
    for (const [location, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['headers', request.headers],
      ['body', request.body],
    ] as const) {
      const found = findUnstorableText(value)
      if (!found) continue
      const path = found.path.join('.')
      throw new ProblemError(400, 'validation_failed', 'Request does not match the schema', `${location}${path ? ` ${path}` : ''} ${found.reason}`, {
        errors: [{ location, path, message: found.reason }],
      })
    }
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // Closing waits for every connection to end. A request in flight when it began would leave its keep-alive
  // connection idle for keepAliveTimeout (72 s) once answered, and a stopping server with it: tell the client to
  // close, and close what falls idle anyway.
  let closing = false
  let reaper: NodeJS.Timeout | undefined
  app.addHook('preClose', async () => {
    closing = true
    reaper = setInterval(() => app.server.closeIdleConnections(), 100).unref()
  })
  app.addHook('onClose', async () => clearInterval(reaper))
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-correlation-id', request.id)
    if (closing) reply.header('connection', 'close')
  })
  if (deps.runner) {
    const runner = deps.runner
    app.addHook('onResponse', async (request) => {
      if (request.method === 'POST') runner.poke()
    })
  }

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ProblemError) {
      if (typeof error.extensions.retryAfter === 'number') reply.header('retry-after', String(error.extensions.retryAfter))
      return sendProblem(request, reply, {
        status: error.status,
        code: error.code,
        title: error.title,
        detail: error.message,
        ...error.extensions,
      })
    }
    if (isDatabaseUnavailable(error)) {
      // The database is away (stopped, restarting): say so at once rather than 500, and without a stack per request.
      request.log.warn({ code: (error as { code?: string }).code, message: (error as Error).message }, 'database unavailable')
      reply.header('retry-after', '1')
      return sendProblem(request, reply, {
        status: 503,
        code: 'database_unavailable',
        title: 'Service unavailable',
        detail: 'the database does not answer; try again shortly (a command retried with the same Idempotency-Key is recorded once)',
      })
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const location = error.validationContext ?? 'body'
      return sendProblem(request, reply, {
        status: 400,
        code: 'validation_failed',
        title: 'Request does not match the schema',
        detail: `the ${location} of the request is invalid`,
        errors: error.validation.flatMap((v) => {
          const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.')
          // A field the route does not take is named itself: schemas are strict, so a misspelt field is never ignored.
          const unknown = v.keyword === 'unrecognized_keys' ? ((v.params as { keys?: string[] }).keys ?? []) : []
          if (unknown.length > 0)
            return unknown.map((k) => ({ location, path: path ? `${path}.${k}` : k, message: 'unknown field: this route does not take it' }))
          return [{ location, path, message: v.message ?? 'invalid' }]
        }),
      })
    }
    if (error instanceof DomainError) {
      return sendProblem(request, reply, {
        status: error.status,
        code: error.code,
        title: error.status === 404 ? 'Not found' : error.status === 409 ? 'Conflict' : error.status === 403 ? 'Forbidden' : 'Refused by a rule',
        detail: error.message,
        ...error.details,
      })
    }
    if (error instanceof QuoteInputError) {
      return sendProblem(request, reply, { status: 422, code: error.code, title: 'Refused by a rule', detail: error.message })
    }
    if (error instanceof StreamNotFoundError) {
      return sendProblem(request, reply, { status: 404, code: error.code, title: 'Not found', detail: error.message })
    }
    if (error instanceof WrongExpectedVersionError) {
      // With If-Match the caller named the version it saw: 412. Without, retries ran out: 409.
      const conditional = request.headers['if-match'] !== undefined
      return sendProblem(request, reply, {
        status: conditional ? 412 : 409,
        code: conditional ? 'precondition_failed' : error.code,
        title: conditional ? 'Precondition failed' : 'Conflict',
        detail: error.message,
      })
    }
    if (error instanceof EventStoreError) {
      return sendProblem(request, reply, { status: 409, code: error.code, title: 'Conflict', detail: error.message })
    }
    const status = (error as { statusCode?: number }).statusCode
    const message = error instanceof Error ? error.message : String(error)
    if (status && status >= 400 && status < 500) {
      const code = (error as { code?: string }).code
      return sendProblem(request, reply, {
        status,
        code: code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? 'malformed_json' : status === 413 ? 'body_too_large' : 'bad_request',
        title: status === 415 ? 'Unsupported media type' : status === 413 ? 'Payload too large' : 'Bad request',
        detail: message,
      })
    }
    request.log.error({ err: error }, 'unhandled error')
    return sendProblem(request, reply, {
      status: 500,
      code: 'internal_error',
      title: 'Internal server error',
      detail: 'the ledger could not complete the request; nothing was recorded unless the response said so',
    })
  })
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, {
      status: 404,
      code: 'not_found',
      title: 'Not found',
      detail: `no route ${request.method} ${request.url.split('?')[0]}`,
    }),
  )

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'PFDO financing ledger',
        description:
          'Event-sourced ledger of personalised financing of supplementary education. Errors are ' +
          'application/problem+json (RFC 9457). Every /v1 route needs a bearer token.',
        version,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: documentRoute,
  })
  registerAuth(app, deps.db.sql, deps.rateLimits ?? DEFAULT_RATE_LIMITS)
  // The documentation tells every route and field of the API: public only when configured so.
  const docsRoles = deps.publicDocs ? undefined : ALL_ROLES
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    ...(docsRoles ? { uiHooks: { onRequest: async (request) => app.authenticate(request, docsRoles) } } : {}),
  })

  const ledger = deps.ledger ?? new Application(deps.store)
  const reader = deps.reader ?? new ProjectionReader(deps.db.sql, deps.store)
  const reads = { ledger, reader, timeZone: deps.timeZone ?? 'Europe/Moscow', organisations: deps.organisations ?? organisationLookup(ledger) }
  await app.register(healthRoutes, { db: deps.db })
  await app.register(whoamiRoutes)
  await app.register(tokenRoutes, { sql: deps.db.sql, ledger, reader })
  await app.register(streamRoutes, { store: deps.store })
  await app.register(municipalityRoutes, reads)
  await app.register(providerRoutes, reads)
  await app.register(payerRoutes, reads)
  await app.register(listRoutes, reads)
  await app.register(programmeRoutes, { ledger })
  await app.register(groupRoutes, { ledger })
  await app.register(certificateRoutes, reads)
  await app.register(contractRoutes, reads)
  await app.register(quoteRoutes)
  await app.register(settlementRoutes, reads)
  await app.register(reconciliationRoutes, reads)
  await app.register(historyRoutes, { ...reads, store: deps.store })
  // The workspace: Russian pages at / over the same application and read models.
  await app.register(webRoutes, {
    db: deps.db,
    store: deps.store,
    ledger,
    reader,
    timeZone: reads.timeZone,
    runner: deps.runner,
    secureCookies: deps.web?.secureCookies ?? 'auto',
    sessionMinutes: deps.web?.sessionMinutes ?? 480,
    authFailuresPerMinute: (deps.rateLimits ?? DEFAULT_RATE_LIMITS).authFailuresPerMinute,
  })
  if (deps.transparency) await app.register(transparencyRoutes, deps.transparency)
  for (const plugin of deps.plugins ?? []) await app.register(async (scope) => plugin(scope))

  app.get('/openapi.json', { schema: { hide: true }, config: docsRoles ? { roles: docsRoles } : {} }, async () => app.swagger())
  return app
}
