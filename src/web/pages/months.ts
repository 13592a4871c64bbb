import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { requireMunicipalityScope } from '../../api/reads.ts'
import { defaultCloseDate } from '../../api/routes/settlement.ts'
import { date, id, month } from '../../app/fields.ts'
import { closeMonth } from '../../app/month-close.ts'
import { previewMonthClose } from '../../app/month-close-preview.ts'
import { payerFilter } from '../../app/scope.ts'
import { streams } from '../../app/streams.ts'
import { todayIn } from '../../audit/as-of.ts'
import { checkCloseable, settlementDecider } from '../../domain/settlement.ts'
import { messageBox, pageCommandContext, refusalText, sendPage, sessionOf, type WebDependencies, WebError, waitForCommand } from '../context.ts'
import { formatDate, formatKopecks, formatMonth } from '../format.ts'
import { html } from '../html.ts'
import { csrfField, PAGES, page } from '../layout.ts'
import { monthsBetween, municipalitiesOf, Names } from '../reads.ts'

// The month board of a municipality: the school year month by month from the payer's reconciliation (the same
// read the API's GET /v1/reconciliation answers), a preview of the next close computed by the close's own code, and
// the close itself.

const CLOSE_ROLES = ['payer', 'operator'] as const
const boardQuery = z.object({ municipality: id.optional(), on: date.optional(), closed: month.optional() })
const closeParams = z.object({ municipality: id, month })

export function monthPages(app: FastifyInstance, deps: WebDependencies) {
  const roles = PAGES.months.roles
  app.get('/months', { config: { webRoles: roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const q = boardQuery.safeParse(request.query)
    if (!q.success) throw new WebError(400, 'Неверные параметры страницы.')
    const places = await municipalitiesOf(deps, payerFilter(session.caller))
    const municipality = q.data.municipality ?? (places.size === 1 ? [...places.keys()][0] : undefined)
    if (!municipality) {
      const body = places.size
        ? html`<p>Выберите муниципалитет:</p><ul>${[...places.keys()].map((m) => html`<li><a href="/months?municipality=${m}">${m}</a></li>`)}</ul>`
        : html`<p>Ни одного периода финансирования пока не открыто.</p>`
      return sendPage(reply, page({ title: 'Месяцы', session, body }))
    }
    await requireMunicipalityScope(deps.reader, request, municipality)
    const periods = places.get(municipality)
    if (!periods) throw new WebError(404, 'Муниципалитет не найден.')
    const today = todayIn(deps.timeZone)
    const on = q.data.on ?? today
    const payer = payerFilter(session.caller)
    const months = [...new Set(periods.flatMap((p) => monthsBetween(p.start_date, p.end_date)))].sort()
    const rows = await Promise.all(months.map((m) => deps.reader.invoices.reconciliation(municipality, m, payer, on)))
    // Which months may be closed now is the settlement's own rule (months close in order after the first close).
    const settlement = (await deps.ledger.aggregates.load(settlementDecider, streams.settlement(municipality))).state
    const closeable = (m: string) => {
      try {
        checkCloseable(settlement, m, defaultCloseDate(m))
        return true
      } catch {
        return false
      }
    }
    const mayClose = (CLOSE_ROLES as readonly string[]).includes(session.caller.role)
    const empty = rows.every((r) => r.providers.length === 0)
    const [last] = empty
      ? await deps.db.sql<{ d: string | null }[]>`SELECT max(issued_on)::text AS d FROM reporting.provider_invoices WHERE municipality = ${municipality}`
      : []
    const cell = (k: number) => html`<td class="num">${formatKopecks(k)}</td>`
    const body = html`${messageBox('ok', q.data.closed ? `Месяц «${formatMonth(q.data.closed)}» закрыт.` : null)}
<form method="get" action="/months"><input type="hidden" name="municipality" value="${municipality}">
<label for="on">На дату</label> <input id="on" name="on" type="date" value="${on}"> <button type="submit">Показать</button></form>
${
  empty
    ? messageBox(
        'notice',
        html`На ${formatDate(on)} счетов нет.${last?.d ? html` Последняя дата с данными: <a href="/months?municipality=${municipality}&amp;on=${last.d}">${formatDate(last.d)}</a>.` : ''}`,
      )
    : ''
}
<table>
<caption>${municipality}: учебный год по месяцам на ${formatDate(on)}</caption>
<thead><tr><th scope="col">Месяц</th><th scope="col">Закрыт</th><th scope="col" class="num">Авансы выставлены</th><th scope="col" class="num">Авансы оплачены</th>
<th scope="col" class="num">Итоговые счета</th><th scope="col" class="num">Итоговые оплачены</th><th scope="col" class="num">Оплачено с опозданием</th>
<th scope="col" class="num">Не оплачено</th><th scope="col" class="num">Просрочено</th><th scope="col">Действия</th></tr></thead>
<tbody>${rows.map(
      (r) => html`<tr><th scope="row">${formatMonth(r.month)}</th><td>${r.closedOn ? `да, ${formatDate(r.closedOn)}` : 'нет'}</td>
${cell(r.totals.advanceInvoiced)}${cell(r.totals.advancePaid)}${cell(r.totals.finalInvoiced)}${cell(r.totals.finalPaid)}
${cell(r.totals.advancePaidLate + r.totals.finalPaidLate)}${cell(r.totals.outstanding)}${cell(r.totals.overdueOutstanding)}
<td><a href="/reconciliation?municipality=${municipality}&amp;month=${r.month}&amp;on=${on}">Сверка и счета</a>${
        closeable(r.month) ? html` · <a href="/months/${municipality}/${r.month}/close">${mayClose ? 'Закрыть месяц…' : 'Предпросмотр закрытия'}</a>` : ''
      }</td></tr>`,
    )}</tbody>
</table>
<p class="muted">Месяцы закрываются по порядку: после первого закрытия — только следующий за последним закрытым. Суммы — из сверки расчётов (как в API <code>/v1/reconciliation</code>).</p>`
    return sendPage(reply, page({ title: `Месяцы: ${municipality}`, session, body }))
  })

  app.get('/months/:municipality/:month/close', { config: { webRoles: roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const p = closeParams.safeParse(request.params)
    const q = z.object({ closedOn: date.optional() }).safeParse(request.query)
    if (!p.success || !q.success) throw new WebError(404, 'Такого месяца нет.')
    const { municipality, month: m } = p.data
    const closedOn = q.data.closedOn ?? defaultCloseDate(m)
    const title = `Закрытие месяца: ${formatMonth(m)}, ${municipality}`
    let preview: Awaited<ReturnType<typeof previewMonthClose>>
    try {
      preview = await previewMonthClose(deps.store, pageCommandContext(request), { municipality, month: m, closedOn }, (x) => deps.reader.contracts.openIds(x))
    } catch (error) {
      const text = refusalText(error)
      if (!text || (error as { status?: number }).status === 404) throw error
      const body = html`${messageBox('error', text)}<p><a href="/months?municipality=${municipality}">К месяцам</a></p>`
      return sendPage(reply, page({ title, session, body }), 409)
    }
    const names = new Names(deps)
    const provider = async (idOf: string) => html`${await names.provider(idOf)}`
    const o = preview.outcome
    const mayClose = (CLOSE_ROLES as readonly string[]).includes(session.caller.role)
    const finals = await Promise.all(
      preview.finalInvoices.map(
        async (i) => html`<tr><td>${await provider(i.providerId)}</td><td>${i.payerId}</td><td>${i.number}</td><td class="num">${i.lines.length}</td>
<td class="num">${formatKopecks(i.total)}</td><td class="num">${formatKopecks(i.advanceDeducted)}</td><td class="num">${formatKopecks(i.amountDue)}</td></tr>`,
      ),
    )
    const advances = await Promise.all(
      preview.advanceInvoices.map(
        async (i) => html`<tr><td>${await provider(i.providerId)}</td><td>${i.payerId}</td><td>${i.number}</td><td>${formatMonth(i.month)}</td>
<td class="num">${formatKopecks(i.total)}</td></tr>`,
      ),
    )
    const sum = (xs: { total: number }[]) => xs.reduce((s, x) => s + x.total, 0)
    const body = o.alreadyClosed
      ? html`${messageBox('notice', `Месяц уже закрыт ${formatDate(o.closedOn)}.`)}<p><a href="/months?municipality=${municipality}">К месяцам</a></p>`
      : html`<p>Предпросмотр: так закрытие месяца выглядело бы сейчас, датой ${formatDate(closedOn)}. Ничего не записано.</p>
<form method="get"><label for="closedOn">Дата закрытия</label> <input id="closedOn" name="closedOn" type="date" value="${closedOn}"> <button type="submit" class="secondary">Пересчитать</button></form>
<ul>
<li>Договоров к списанию: ${o.contractsWrittenOff} (${formatKopecks(preview.writeOffs.reduce((s, w) => s + w.amount, 0))})</li>
<li>Итоговых счетов: ${o.finalInvoices.length} на ${formatKopecks(sum(preview.finalInvoices))}</li>
<li>Авансовых счетов на следующий месяц: ${o.advanceInvoices.length} на ${formatKopecks(sum(preview.advanceInvoices))}</li>
<li>Заявок, которые истекут: ${o.requestsExpired}</li>
<li>Договоров, которые закроются: ${o.contractsClosed}</li>
</ul>
${
  finals.length
    ? html`<table><caption>Итоговые счета месяца</caption>
<thead><tr><th scope="col">Поставщик</th><th scope="col">Плательщик</th><th scope="col">Номер</th><th scope="col" class="num">Строк</th><th scope="col" class="num">Сумма услуг</th>
<th scope="col" class="num">Зачтён аванс</th><th scope="col" class="num">К оплате</th></tr></thead><tbody>${finals}</tbody></table>`
    : ''
}
${
  advances.length
    ? html`<table><caption>Авансовые счета</caption>
<thead><tr><th scope="col">Поставщик</th><th scope="col">Плательщик</th><th scope="col">Номер</th><th scope="col">Месяц</th><th scope="col" class="num">Сумма</th></tr></thead><tbody>${advances}</tbody></table>`
    : ''
}
${
  preview.expiredRequests.length
    ? html`<table><caption>Заявки, которые истекут</caption>
<thead><tr><th scope="col">Сертификат</th><th scope="col">Договор</th><th scope="col" class="num">Вернётся на сертификат</th></tr></thead>
<tbody>${preview.expiredRequests.map((r) => html`<tr><td>${r.certificateNumber}</td><td><code>${r.contractId}</code></td><td class="num">${formatKopecks(r.released)}</td></tr>`)}</tbody></table>`
    : ''
}
<details><summary>Списания с сертификатов (${preview.writeOffs.length})</summary>
<table><thead><tr><th scope="col">Сертификат</th><th scope="col">Договор</th><th scope="col">Месяц</th><th scope="col" class="num">Сумма</th></tr></thead>
<tbody>${preview.writeOffs.map((w) => html`<tr><td>${w.certificateNumber}</td><td><code>${w.contractId}</code></td><td>${formatMonth(w.month)}</td><td class="num">${formatKopecks(w.amount)}</td></tr>`)}</tbody></table></details>
${
  mayClose
    ? html`<form method="post" action="/months/${municipality}/${m}/close">${csrfField(session)}<input type="hidden" name="closedOn" value="${closedOn}">
<fieldset><legend>Закрыть месяц</legend>
<p><label><input type="checkbox" name="confirm" value="yes" required> Я проверил(а) предпросмотр и закрываю месяц «${formatMonth(m)}» датой ${formatDate(closedOn)}. Закрытие не отменяется.</label></p>
<button type="submit">Закрыть месяц</button></fieldset></form>`
    : ''
}`
    return sendPage(reply, page({ title, session, body }))
  })

  app.post('/months/:municipality/:month/close', { config: { webRoles: CLOSE_ROLES } }, async (request, reply) => {
    const session = sessionOf(request)
    const p = closeParams.safeParse(request.params)
    const b = z.object({ closedOn: date, confirm: z.literal('yes'), _csrf: z.string() }).safeParse(request.body)
    if (!p.success) throw new WebError(404, 'Такого месяца нет.')
    if (!b.success) throw new WebError(400, 'Подтвердите закрытие месяца отметкой и укажите дату закрытия.')
    const { municipality, month: m } = p.data
    try {
      await closeMonth(deps.ledger, pageCommandContext(request), { municipality, month: m, closedOn: b.data.closedOn }, (x) => deps.reader.contracts.openIds(x))
    } catch (error) {
      const text = refusalText(error)
      if (!text || (error as { status?: number }).status === 404) throw error
      const body = html`${messageBox('error', text)}<p><a href="/months?municipality=${municipality}">К месяцам</a></p>`
      return sendPage(reply, page({ title: 'Месяц не закрыт', session, body }), (error as { status?: number }).status ?? 409)
    }
    await waitForCommand(deps, request.id, ['provider-invoices'])
    return reply.redirect(`/months?municipality=${encodeURIComponent(municipality)}&closed=${m}`, 303)
  })
}
