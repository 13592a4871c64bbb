import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { periodsNamePayer } from '../../../projections/organisations/read.ts'
import { messageRu } from '../../api/messages-ru.ts'
import { date, id } from '../../app/fields.ts'
import { unknownOrganisation } from '../../app/organisations.ts'
import { createToken, listTokens, ROLES, revokeToken } from '../../auth/tokens.ts'
import { messageBox, sendPage, sessionOf, type WebDependencies, WebError } from '../context.ts'
import { formatDate } from '../format.ts'
import { html } from '../html.ts'
import { csrfField, PAGES, page } from '../layout.ts'
import type { WebSession } from '../sessions.ts'

// The operator's tokens: list them, create one (shown once, as `ledger tokens create` shows it) and revoke one —
// from the running server, which is the only way while the embedded database is open by it.

const ROLE_WORDS: Record<string, string> = { operator: 'оператор', payer: 'плательщик', provider: 'поставщик', auditor: 'аудитор', reporting: 'отчётность' }

async function render(deps: WebDependencies, session: WebSession, notice: { ok?: string | null; error?: string | null; created?: string | null } = {}) {
  // Newest first, as many as a page holds.
  const tokens = (await listTokens(deps.db.sql, { all: true })).reverse().slice(0, 500)
  return html`${messageBox('ok', notice.ok)}${messageBox('error', notice.error)}
${
  notice.created
    ? html`<div class="notice" role="status"><p>Новый токен — скопируйте его сейчас, больше он показан не будет:</p><p><code id="new-token">${notice.created}</code></p></div>`
    : ''
}
<form method="post" action="/tokens">${csrfField(session)}<fieldset><legend>Выдать токен</legend>
<label for="role">Роль</label> <select id="role" name="role">${ROLES.map((r) => html`<option value="${r}">${ROLE_WORDS[r]}</option>`)}</select>
<label for="scope">Плательщик или поставщик (для этих ролей)</label> <input id="scope" name="scope" maxlength="64" size="20">
<label for="label">Подпись</label> <input id="label" name="label" maxlength="100" size="24">
<label for="expires">Не действует с</label> <input id="expires" name="expires" type="date" min="2000-01-01" max="2100-12-31">
<button type="submit">Выдать</button></fieldset></form>
<table><caption>Токены</caption>
<thead><tr><th scope="col">Подпись</th><th scope="col">Роль</th><th scope="col">Организация</th><th scope="col">Выдан</th><th scope="col">Не действует с</th><th scope="col">Состояние</th></tr></thead>
<tbody>${tokens.map(
    (
      t,
    ) => html`<tr><td>${t.label ?? '—'} <span class="muted"><code>${t.tokenId}</code></span></td><td>${ROLE_WORDS[t.role] ?? t.role}</td><td>${t.payerId ?? t.providerId ?? '—'}</td>
<td>${formatDate(t.createdAt.toISOString())}</td><td>${t.expiresAt ? formatDate(t.expiresAt.toISOString()) : '—'}</td><td>${
      t.state === 'revoked'
        ? `отозван ${formatDate(t.revokedAt!.toISOString())}`
        : t.state === 'expired'
          ? 'срок истёк'
          : html`<form method="post" action="/tokens/${t.tokenId}/revoke">${csrfField(session)}<button type="submit" class="secondary">Отозвать${t.tokenId === session.caller.tokenId ? ' (ваш)' : ''}</button></form>`
    }</td></tr>`,
  )}</tbody></table>`
}

export function tokenPages(app: FastifyInstance, deps: WebDependencies) {
  const roles = PAGES.tokens.roles
  app.get('/tokens', { config: { webRoles: roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const q = request.query as { revoked?: string }
    return sendPage(reply, page({ title: 'Токены доступа', session, body: await render(deps, session, { ok: q.revoked ? 'Токен отозван.' : null }) }))
  })

  app.post('/tokens', { config: { webRoles: roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const form = z
      .object({
        role: z.enum(ROLES),
        scope: z.union([id, z.literal('')]).default(''),
        label: z.string().trim().max(100).default(''),
        expires: z.union([date, z.literal('')]).default(''),
      })
      .safeParse(request.body)
    const scoped = form.success && (form.data.role === 'payer' || form.data.role === 'provider')
    if (!form.success || (scoped && form.data.scope === '') || (!scoped && form.data.scope !== '')) {
      const error = 'Укажите роль; для плательщика и поставщика — их код в реестре, для других ролей поле организации оставьте пустым.'
      return sendPage(reply, page({ title: 'Токены доступа', session, body: await render(deps, session, { error }) }), 400)
    }
    const { role, scope, label, expires } = form.data
    const refuse = async (error: string | null) =>
      sendPage(reply, page({ title: 'Токены доступа', session, body: await render(deps, session, { error }) }), 422)
    // As on the API: no token for a payer or provider the ledger does not know, none already expired.
    if (scoped && (await unknownOrganisation(deps.ledger, role as 'payer' | 'provider', scope, (p) => periodsNamePayer(deps.reader, p))))
      return refuse(messageRu('organisation_unknown'))
    const expiresAt = expires ? new Date(`${expires}T00:00:00Z`) : null
    if (expiresAt && expiresAt.getTime() <= Date.now()) return refuse('Дата окончания действия должна быть в будущем.')
    const { token } = await createToken(deps.db.sql, {
      role,
      label: label || null,
      expiresAt,
      ...(role === 'payer' ? { payerId: scope } : role === 'provider' ? { providerId: scope } : {}),
    })
    return sendPage(reply, page({ title: 'Токены доступа', session, body: await render(deps, session, { created: token }) }), 201)
  })

  app.post('/tokens/:tokenId/revoke', { config: { webRoles: roles } }, async (request, reply) => {
    const p = z.object({ tokenId: z.uuid() }).safeParse(request.params)
    if (!p.success) throw new WebError(404, 'Токен не найден.')
    const revoked = await revokeToken(deps.db.sql, p.data.tokenId)
    if (!revoked) throw new WebError(404, 'Токен не найден.')
    return reply.redirect('/tokens?revoked=1', 303)
  })
}
