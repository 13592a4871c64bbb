import type { FastifyInstance } from 'fastify'
import { payerFilter, providerFilter } from '../../app/scope.ts'
import { streams } from '../../app/streams.ts'
import { providerDecider } from '../../domain/provider.ts'
import { sendPage, sessionOf, type WebDependencies } from '../context.ts'
import { formatMonth, formatRoubles } from '../format.ts'
import { html } from '../html.ts'
import { PAGES, page } from '../layout.ts'

// The providers the caller deals with (a payer: those with contracts or invoices addressed to it): the registered
// name, the agreements per period, contracts by status, and the invoices month by month with what is still owed.

const CONTRACT_STATUS: Record<string, string> = {
  requested: 'заявки',
  accepted: 'действуют',
  refused: 'отклонены',
  terminated: 'расторгнуты',
  closed: 'закрыты',
}

export function providerPages(app: FastifyInstance, deps: WebDependencies) {
  app.get('/providers', { config: { webRoles: PAGES.providers.roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const payer = payerFilter(session.caller)
    const own = providerFilter(session.caller)
    const contracts = await deps.db.sql<{ provider_id: string; status: string; n: number }[]>`
      SELECT provider_id, status, count(*)::int AS n FROM reporting.contracts
      WHERE (${payer}::text IS NULL OR payer_id = ${payer}) AND (${own}::text IS NULL OR provider_id = ${own})
      GROUP BY provider_id, status ORDER BY provider_id, status`
    const invoices = await deps.db.sql<{ provider_id: string; month: string; due: string; outstanding: string; numbers: string }[]>`
      SELECT provider_id, month, sum(amount_due)::text AS due, sum(outstanding)::text AS outstanding, string_agg(invoice_id, ' ' ORDER BY kind) AS numbers
      FROM reporting.provider_invoices
      WHERE (${payer}::text IS NULL OR payer_id = ${payer}) AND (${own}::text IS NULL OR provider_id = ${own})
      GROUP BY provider_id, month ORDER BY provider_id, month`
    const ids = [...new Set([...contracts.map((c) => c.provider_id), ...invoices.map((i) => i.provider_id)])].sort()
    const rows = await Promise.all(
      ids.map(async (id) => {
        const state = (await deps.ledger.aggregates.load(providerDecider, streams.provider(id))).state
        const agreements = [...state.agreements].map((k) => k.split('|') as [string, string]).filter(([p]) => payer === null || p === payer)
        return { id, state, agreements }
      }),
    )
    const body = html`${rows.length === 0 ? html`<p>Поставщиков с договорами или счетами пока нет.</p>` : ''}
${rows.map(
  ({ id, state, agreements }) => html`<section aria-labelledby="p-${id}"><h2 id="p-${id}">${state.name || id}</h2>
<p class="muted">Код в реестре: <code>${id}</code>${state.municipality ? `, ${state.municipality}` : ''}.
Соглашения: ${agreements.length ? agreements.map(([p, period]) => `${p} на период ${period}`).join('; ') : 'нет'}.
Договоры: ${
    contracts
      .filter((c) => c.provider_id === id)
      .map((c) => `${CONTRACT_STATUS[c.status] ?? c.status} — ${c.n}`)
      .join(', ') || 'нет'
  }.</p>
<table><caption>Счета по месяцам: ${state.name || id}</caption>
<thead><tr><th scope="col">Месяц</th><th scope="col" class="num">Выставлено к оплате</th><th scope="col" class="num">Не оплачено</th><th scope="col">Счета</th></tr></thead>
<tbody>${invoices
    .filter((i) => i.provider_id === id)
    .map(
      (
        i,
      ) => html`<tr><th scope="row">${formatMonth(i.month)}</th><td class="num">${formatRoubles(i.due)}</td><td class="num">${formatRoubles(i.outstanding)}</td>
<td>${i.numbers.split(' ').map((n) => html`<a href="/invoices/${encodeURIComponent(n)}">${n.startsWith('final') ? 'итоговый' : 'авансовый'}</a> `)}</td></tr>`,
    )}</tbody></table></section>`,
)}`
    return sendPage(reply, page({ title: 'Поставщики', session, body }))
  })
}
