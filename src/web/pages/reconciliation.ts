import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { RECONCILIATION_FIGURES } from '../../../projections/read.ts'
import { requireMunicipalityScope } from '../../api/reads.ts'
import { date, id, month } from '../../app/fields.ts'
import { payerFilter } from '../../app/scope.ts'
import { todayIn } from '../../audit/as-of.ts'
import { messageBox, sendPage, sessionOf, type WebDependencies, WebError } from '../context.ts'
import { formatDate, formatKopecks, formatMonth, formatRoubles } from '../format.ts'
import { html } from '../html.ts'
import { PAGES, page } from '../layout.ts'
import { monthsBetween, municipalitiesOf, Names } from '../reads.ts'

// The payer's reconciliation of a month per provider (the read GET /v1/reconciliation answers, with its CSV and
// XLSX), the invoices behind each row, and the providers with amounts overdue on the date.

type Figure = (typeof RECONCILIATION_FIGURES)[number]
const COLUMNS: [Figure, string][] = [
  ['advanceInvoiced', 'Аванс выставлен'],
  ['advancePaid', 'Аванс оплачен'],
  ['finalInvoiced', 'Итоговый счёт'],
  ['advanceDeducted', 'Зачтён аванс'],
  ['finalDue', 'К оплате по итоговому'],
  ['finalPaid', 'Итоговый оплачен'],
  ['outstanding', 'Не оплачено'],
  ['overdueOutstanding', 'Просрочено'],
  ['refundedToCertificates', 'Возвращено на сертификаты'],
]

const query = z.object({ municipality: id.optional(), month: z.union([month, z.literal('year')]).optional(), on: date.optional() })

type Reconciliation = Awaited<ReturnType<WebDependencies['reader']['invoices']['reconciliation']>>

/** The school year per provider: each month's reconciliation (the same read), added up per payer and provider. */
function yearOf(months: Reconciliation[]): Reconciliation {
  const by = new Map<string, Reconciliation['providers'][number]>()
  for (const r of months) {
    for (const p of r.providers) {
      const key = `${p.payerId}|${p.providerId}`
      const sum = by.get(key) ?? { ...p, ...Object.fromEntries(RECONCILIATION_FIGURES.map((f) => [f, 0])) }
      for (const f of RECONCILIATION_FIGURES) sum[f] = (sum[f] as number) + (p[f] as number)
      by.set(key, sum)
    }
  }
  const totals = Object.fromEntries(RECONCILIATION_FIGURES.map((f) => [f, months.reduce((s, r) => s + r.totals[f], 0)])) as Reconciliation['totals']
  const closed = months.filter((r) => r.closedOn !== null)
  return { ...months[0]!, month: 'year', closedOn: closed.at(-1)?.closedOn ?? null, providers: [...by.values()], totals }
}

export function reconciliationPages(app: FastifyInstance, deps: WebDependencies) {
  app.get('/reconciliation', { config: { webRoles: PAGES.reconciliation.roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const q = query.safeParse(request.query)
    if (!q.success) throw new WebError(400, 'Неверные параметры страницы.')
    const payer = payerFilter(session.caller)
    const places = await municipalitiesOf(deps, payer)
    const municipality = q.data.municipality ?? [...places.keys()][0]
    if (!municipality) return sendPage(reply, page({ title: 'Сверка', session, body: html`<p>Ни одного периода финансирования пока не открыто.</p>` }))
    await requireMunicipalityScope(deps.reader, request, municipality)
    const periods = places.get(municipality)
    if (!periods) throw new WebError(404, 'Муниципалитет не найден.')
    const months = [...new Set(periods.flatMap((p) => monthsBetween(p.start_date, p.end_date)))].sort()
    const today = todayIn(deps.timeZone)
    const on = q.data.on ?? today
    const m = q.data.month ?? months.filter((x) => `${x}-01` <= on).at(-1) ?? months[0]!
    const year = m === 'year'
    const r = year
      ? yearOf(await Promise.all(months.map((x) => deps.reader.invoices.reconciliation(municipality, x, payer, on))))
      : await deps.reader.invoices.reconciliation(municipality, m, payer, on)
    const names = new Names(deps)
    const rows = await Promise.all(
      r.providers.map(async (p) => {
        const invoices = await deps.reader.invoices.ofProvider(String(p.providerId), year ? null : m, String(p.payerId))
        return { p, name: await names.provider(String(p.providerId)), invoices }
      }),
    )
    const overdue = rows.filter((x) => (x.p.overdueOutstanding as number) > 0)
    const link = (format: string) => `/v1/reconciliation?municipality=${encodeURIComponent(municipality)}&month=${m}&on=${on}&format=${format}`
    const [last] = r.providers.length
      ? []
      : await deps.db.sql<{ d: string | null }[]>`SELECT max(issued_on)::text AS d FROM reporting.provider_invoices WHERE municipality = ${municipality}`
    const body = html`<form method="get" action="/reconciliation"><input type="hidden" name="municipality" value="${municipality}">
<label for="month">Месяц</label> <select id="month" name="month">${months.map((x) => html`<option value="${x}"${x === m ? html` selected` : ''}>${formatMonth(x)}</option>`)}
<option value="year"${year ? html` selected` : ''}>весь учебный год</option></select>
<label for="on">На дату</label> <input id="on" name="on" type="date" value="${on}"> <button type="submit">Показать</button></form>
${
  year
    ? html`<p>${municipality}, учебный год ${formatMonth(months[0]!)} – ${formatMonth(months.at(-1)!)}: суммы сверок всех месяцев. Выгрузки CSV и XLSX — по месяцам.</p>`
    : html`<p>${municipality}, ${formatMonth(m)}: ${r.closedOn ? `месяц закрыт ${formatDate(r.closedOn)}` : 'месяц не закрыт — итоговые счета ещё не выставлены, показаны только авансы'}.
Скачать: <a href="${link('csv')}">CSV</a> · <a href="${link('xlsx')}">XLSX</a></p>`
}
${
  r.providers.length === 0
    ? messageBox(
        'notice',
        html`На ${formatDate(on)} за ${year ? 'учебный год' : formatMonth(m)} счетов нет.${
          last?.d
            ? html` Последняя дата с данными: <a href="/reconciliation?municipality=${municipality}&amp;month=${last.d.slice(0, 7)}&amp;on=${last.d}">${formatDate(last.d)}</a>.`
            : ''
        }`,
      )
    : ''
}
<table><caption>Сверка расчётов с поставщиками на ${formatDate(on)}</caption>
<thead><tr><th scope="col">Поставщик</th><th scope="col">Плательщик</th>${COLUMNS.map(([, t]) => html`<th scope="col" class="num">${t}</th>`)}<th scope="col">Счета</th></tr></thead>
<tbody>${rows.map(
      ({
        p,
        name,
        invoices,
      }) => html`<tr><th scope="row">${name}</th><td>${String(p.payerId)}</td>${COLUMNS.map(([f]) => html`<td class="num">${formatKopecks(p[f] as number)}</td>`)}
<td>${
        year
          ? html`<a href="/providers">по месяцам</a>`
          : invoices.map(
              (i) =>
                html`<a href="/invoices/${encodeURIComponent(String(i.invoiceId))}" title="${String(i.number)}">${i.kind === 'final' ? 'итоговый' : 'аванс'}</a> `,
            )
      }</td></tr>`,
    )}</tbody>
<tfoot><tr><th scope="row" colspan="2">Итого</th>${COLUMNS.map(([f]) => html`<td class="num">${formatKopecks(r.totals[f])}</td>`)}<td></td></tr></tfoot></table>
<h2>Просроченная задолженность на ${formatDate(on)}</h2>
${
  overdue.length
    ? html`<table><thead><tr><th scope="col">Поставщик</th><th scope="col">Счёт</th><th scope="col" class="num">Остаток</th></tr></thead>
<tbody>${overdue.flatMap(({ name, invoices }) =>
        invoices
          .filter((i) => Number(i.outstanding) > 0)
          .map(
            (i) =>
              html`<tr><td>${name}</td><td><a href="/invoices/${encodeURIComponent(String(i.invoiceId))}">${String(i.number)}</a></td><td class="num">${formatRoubles(String(i.outstanding))}</td></tr>`,
          ),
      )}</tbody></table>`
    : html`<p>Просроченной задолженности нет.</p>`
}`
    return sendPage(reply, page({ title: 'Сверка расчётов', session, body }))
  })
}
