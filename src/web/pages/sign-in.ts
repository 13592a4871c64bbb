import crypto from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { MESSAGES_RU } from '../../api/messages-ru.ts'
import type { MinuteCounter } from '../../api/rate-limit.ts'
import { messageBox, sendPage, type WebDependencies, WebError } from '../context.ts'
import { html } from '../html.ts'
import { page } from '../layout.ts'
import { cookieValue, csrfMatches, endSession, openSession, SESSION_COOKIE, sessionCookie } from '../sessions.ts'

// Signing in: the user pastes a token once; the server opens a session for it. The sign-in form is guarded by a
// token of its own (a short-lived cookie and the same value in the form), so no other site can sign a browser in.

const SIGN_IN_COOKIE = 'ledger_sign_in'

const isHttps = (request: FastifyRequest) => request.protocol === 'https'

function secure(deps: WebDependencies, request: FastifyRequest) {
  return deps.secureCookies === 'always' || (deps.secureCookies === 'auto' && isHttps(request))
}

/** Where to go after signing in: a path of this site only. */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) && next.length < 500 ? next : '/')

function signInForm(reply: FastifyReply, deps: WebDependencies, request: FastifyRequest, next: string, error: string | null, status = 200) {
  const formToken = crypto.randomBytes(24).toString('base64url')
  reply.header('set-cookie', `${SIGN_IN_COOKIE}=${formToken}; Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age=3600${secure(deps, request) ? '; Secure' : ''}`)
  const body = html`${messageBox('error', error)}
<form method="post" action="/sign-in">
<input type="hidden" name="_csrf" value="${formToken}">
<input type="hidden" name="next" value="${next}">
<p><label for="token">Токен доступа</label><br>
<input id="token" name="token" type="password" autocomplete="off" required size="60" maxlength="200" aria-describedby="token-help" autofocus></p>
<p id="token-help" class="muted">Токен выдаёт оператор реестра (<code>ledger tokens create</code>). Его вводят один раз: дальше рабочее место
помнит вход, пока вы не выйдете или сессия не истечёт.</p>
<p><button type="submit">Войти</button></p>
</form>`
  return sendPage(reply, page({ title: 'Вход в рабочее место', session: null, body }), status)
}

export function signInPages(app: FastifyInstance, deps: WebDependencies, failures: MinuteCounter) {
  app.get<{ Querystring: { next?: string } }>('/sign-in', async (request, reply) => {
    if (request.webSession) return reply.redirect(safeNext(request.query.next), 303)
    return signInForm(reply, deps, request, safeNext(request.query.next), null)
  })

  app.post<{ Body: Record<string, string> }>('/sign-in', async (request, reply) => {
    const body = request.body ?? {}
    const expected = cookieValue(request.headers.cookie, SIGN_IN_COOKIE)
    if (!expected || !csrfMatches({ csrfToken: expected } as never, body._csrf)) throw new WebError(403, MESSAGES_RU.csrf_failed!, 'csrf_failed')
    const blocked = failures.blocked(request.ip)
    if (blocked !== null) return signInForm(reply, deps, request, safeNext(body.next), `${MESSAGES_RU.rate_limited} (${blocked} с)`, 429)
    const token = typeof body.token === 'string' ? body.token.trim() : ''
    const opened = token.length > 0 && token.length <= 200 ? await openSession(deps.db.sql, token, deps.sessionMinutes) : null
    if (!opened) {
      failures.hit(request.ip)
      return signInForm(reply, deps, request, safeNext(body.next), 'Токен неизвестен или отозван.', 401)
    }
    reply.header('set-cookie', [
      sessionCookie(opened.cookie, { secure: secure(deps, request), maxAgeSeconds: deps.sessionMinutes * 60 }),
      `${SIGN_IN_COOKIE}=; Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age=0`,
    ])
    return reply.redirect(safeNext(body.next), 303)
  })

  app.post<{ Body: Record<string, string> }>('/sign-out', async (request, reply) => {
    const session = request.webSession
    if (session && !csrfMatches(session, request.body?._csrf)) throw new WebError(403, MESSAGES_RU.csrf_failed!, 'csrf_failed')
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE)
    if (cookie) await endSession(deps.db.sql, cookie)
    reply.header('set-cookie', sessionCookie('', { secure: secure(deps, request), maxAgeSeconds: 0 }))
    return reply.redirect('/sign-in', 303)
  })
}
