import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { id } from '../../app/fields.ts'
import { createToken, ROLES } from '../../auth/tokens.ts'
import { messageBox, sendPage, sessionOf, type WebDependencies, WebError } from '../context.ts'
import { formatDate } from '../format.ts'
import { html } from '../html.ts'
import { csrfField, PAGES, page } from '../layout.ts'
import type { WebSession } from '../sessions.ts'

// The operator's tokens: list them, create one (shown once, as `ledger tokens create` shows it) and revoke one —
// from the running server, which is the only way while the embedded database is open by it.

const ROLE_WORDS: Record<string, string> = { operator: 'оператор', payer: 'плательщик', provider: 'поставщик', auditor: 'аудитор', reporting: 'отчётность' }

async function render(deps: WebDependencies, session: WebSession, notice: { ok?: string | null; error?: string | null; created?: string | null } = {}) {
  const tokens = await deps.db.sql<
    { token_id: string; role: string; provider_id: string | null; payer_id: string | null; label: string | null; created_at: Date; revoked_at: Date | null }[]
  >`SELECT token_id, role, provider_id, payer_id, label, created_at, revoked_at FROM ledger.api_tokens ORDER BY created_at DESC, token_id LIMIT 500`
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
<button type="submit">Выдать</button></fieldset></form>
<table><caption>Токены</caption>
<thead><tr><th scope="col">Подпись</th><th scope="col">Роль</th><th scope="col">Организация</th><th scope="col">Выдан</th><th scope="col">Состояние</th></tr></thead>
<tbody>${tokens.map(
    (
      t,
    ) => html`<tr><td>${t.label ?? '—'} <span class="muted"><code>${t.token_id}</code></span></td><td>${ROLE_WORDS[t.role] ?? t.role}</td><td>${t.payer_id ?? t.provider_id ?? '—'}</td>
<td>${formatDate(t.created_at.toISOString())}</td><td>${
      t.revoked_at
        ? `отозван ${formatDate(t.revoked_at.toISOString())}`
        : html`<form method="post" action="/tokens/${t.token_id}/revoke">${csrfField(session)}<button type="submit" class="secondary">Отозвать${t.token_id === session.caller.tokenId ? ' (ваш)' : ''}</button></form>`
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
      .object({ role: z.enum(ROLES), scope: z.union([id, z.literal('')]).default(''), label: z.string().trim().max(100).default('') })
      .safeParse(request.body)
    const scoped = form.success && (form.data.role === 'payer' || form.data.role === 'provider')
    if (!form.success || (scoped && form.data.scope === '') || (!scoped && form.data.scope !== '')) {
      const error = 'Укажите роль; для плательщика и поставщика — их код в реестре, для других ролей поле организации оставьте пустым.'
      return sendPage(reply, page({ title: 'Токены доступа', session, body: await render(deps, session, { error }) }), 400)
    }
    const { role, scope, label } = form.data
    const { token } = await createToken(deps.db.sql, {
      role,
      label: label || null,
      ...(role === 'payer' ? { payerId: scope } : role === 'provider' ? { providerId: scope } : {}),
    })
    return sendPage(reply, page({ title: 'Токены доступа', session, body: await render(deps, session, { created: token }) }), 201)
  })

  app.post('/tokens/:tokenId/revoke', { config: { webRoles: roles } }, async (request, reply) => {
    const p = z.object({ tokenId: z.uuid() }).safeParse(request.params)
    if (!p.success) throw new WebError(404, 'Токен не найден.')
    const revoked = await deps.db.sql`UPDATE ledger.api_tokens SET revoked_at = now() WHERE token_id = ${p.data.tokenId} AND revoked_at IS NULL RETURNING 1`
    if (revoked.length === 0) throw new WebError(404, 'Токен не найден или уже отозван.')
    return reply.redirect('/tokens?revoked=1', 303)
  })
}
