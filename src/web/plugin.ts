import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { MESSAGES_RU } from '../api/messages-ru.ts'
import { ProblemError } from '../api/problem.ts'
import { MinuteCounter } from '../api/rate-limit.ts'
import type { Role } from '../auth/tokens.ts'
import { DomainError } from '../domain/errors.ts'
import { type WebDependencies, WebError } from './context.ts'
import { html } from './html.ts'
import { PAGES, page } from './layout.ts'
import { auditPages } from './pages/audit.ts'
import { bankStatementPages, parseMultipart, STATEMENT_BODY_LIMIT } from './pages/bank-statement.ts'
import { certificatePages } from './pages/certificate.ts'
import { coveragePages } from './pages/coverage.ts'
import { invoicePages } from './pages/invoice.ts'
import { monthPages } from './pages/months.ts'
import { providerPages } from './pages/providers.ts'
import { reconciliationPages } from './pages/reconciliation.ts'
import { signInPages } from './pages/sign-in.ts'
import { tokenPages } from './pages/tokens.ts'
import { cookieValue, csrfMatches, findSession, SESSION_COOKIE } from './sessions.ts'

// The workspace: Russian pages at / in the same process as the API, over the same application and read models.
// A page declares the roles that may open it (`config.webRoles`); the session cookie says who is signed in; every
// POST carries the session's CSRF token. A role a page does not admit gets a 403 page; another tenant's resource is
// a 404 page like a missing one (the application's own scope checks, src/app/scope.ts).

export const webRoutes: FastifyPluginAsync<WebDependencies> = async (app, deps) => {
  // Forms post url-encoded fields; this parser lives in the workspace's scope only (the API takes JSON).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  // The bank statement arrives as a file (multipart), under a limit of its own (src/web/pages/bank-statement.ts).
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: STATEMENT_BODY_LIMIT * 2 }, (request, body, done) => {
    parseMultipart(String(request.headers['content-type']), body as Buffer).then(
      (fields) => done(null, fields),
      (error: Error) => done(Object.assign(new WebError(400, 'Форма с файлом повреждена.'), { cause: error })),
    )
  })
  // Pages are not part of the API's OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true }
  })
  app.decorateRequest('webSession', null)
  app.addHook('onRequest', async (request) => {
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE)
    request.webSession = cookie ? await findSession(deps.db.sql, cookie) : null
    // Commands made from a page act for the signed-in token, exactly as the API's would.
    if (request.webSession) request.caller = request.webSession.caller
  })
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    reply.header('x-frame-options', 'DENY')
    reply.header('referrer-policy', 'same-origin')
    reply.header('x-content-type-options', 'nosniff')
  })
  app.addHook('preHandler', async (request, reply) => {
    const roles = request.routeOptions.config.webRoles
    if (!roles) return
    if (!request.webSession) {
      if (request.method === 'GET') return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303)
      throw new WebError(401, 'Сессия закончилась или не начиналась: войдите снова.')
    }
    if (!roles.includes(request.webSession.caller.role)) throw new WebError(403, MESSAGES_RU.forbidden!, 'forbidden')
    if (request.method === 'POST' && !csrfMatches(request.webSession, (request.body as Record<string, unknown> | undefined)?._csrf)) {
      throw new WebError(403, MESSAGES_RU.csrf_failed!, 'csrf_failed')
    }
  })
  app.setErrorHandler((error, request, reply) => errorPage(app, request, reply, error))

  const failures = new MinuteCounter(deps.authFailuresPerMinute)
  signInPages(app, deps, failures)
  monthPages(app, deps)
  invoicePages(app, deps)
  reconciliationPages(app, deps)
  certificatePages(app, deps)
  coveragePages(app, deps)
  providerPages(app, deps)
  bankStatementPages(app, deps)
  auditPages(app, deps)
  tokenPages(app, deps)
  app.get('/', async (request, reply) => {
    const session = request.webSession
    if (!session) return reply.redirect('/sign-in', 303)
    const role = session.caller.role
    const links = Object.values(PAGES).filter((p) => (p.roles as readonly Role[]).includes(role) && p.path !== '/invoices')
    const body = html`<p>Вы вошли как ${session.caller.label ?? session.caller.role}. Разделы, доступные вашей роли:</p>
<ul>${links.map((p) => html`<li><a href="${p.path}">${p.title}</a></li>`)}</ul>
${role === 'provider' ? html`<p><a href="/invoices">Счета вашей организации</a></p>` : ''}`
    return reply.type('text/html; charset=utf-8').send(page({ title: 'Рабочее место', session, body }))
  })
}

const TITLES: Record<number, string> = {
  400: 'Запрос не принят',
  401: 'Требуется вход',
  403: 'Доступ запрещён',
  404: 'Не найдено',
  409: 'Конфликт',
  422: 'Отказано',
}

/** Every refusal of a page as a page in Russian: 403 for a role, 404 for what does not exist (or is another's). */
function errorPage(app: FastifyInstance, request: FastifyRequest, reply: import('fastify').FastifyReply, error: unknown) {
  let status = 500
  let text = MESSAGES_RU.internal_error!
  if (error instanceof WebError) {
    status = error.status
    text = error.message
  } else if (error instanceof DomainError || error instanceof ProblemError) {
    status = error.status
    text = MESSAGES_RU[error.code] ?? error.message
  } else if (hasZodFastifySchemaValidationErrors(error)) {
    status = 400
    text = MESSAGES_RU.validation_failed!
  } else {
    const s = (error as { statusCode?: number }).statusCode
    if (s && s >= 400 && s < 500) {
      status = s
      text = s === 413 ? MESSAGES_RU.body_too_large! : MESSAGES_RU.bad_request!
    } else app.log.error({ err: error }, 'workspace page failed')
  }
  if (status === 401 && request.method !== 'GET') reply.header('set-cookie', [])
  const body = html`<div class="error" role="alert"><p>${text}</p></div>
<p><a href="/">На главную</a>${request.webSession ? '' : html` · <a href="/sign-in">Войти</a>`}</p>
<p class="muted">Код запроса: <code>${request.id}</code></p>`
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(page({ title: TITLES[status] ?? 'Ошибка', session: request.webSession, body }))
}
