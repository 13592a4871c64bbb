import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { DIRECTIONS as DIRECTION_KEYS } from '../../../events/common.ts'
import { requireMunicipalityScope } from '../../api/reads.ts'
import { date, id } from '../../app/fields.ts'
import { payerFilter } from '../../app/scope.ts'
import { todayIn } from '../../audit/as-of.ts'
import { newWorkbook } from '../../documents/writers.ts'
import { barChart } from '../chart.ts'
import { messageBox, sendPage, sessionOf, type WebDependencies, WebError } from '../context.ts'
import { formatDate } from '../format.ts'
import { html } from '../html.ts'
import { PAGES, page } from '../layout.ts'
import { municipalitiesOf, Names } from '../reads.ts'

// Coverage of a municipality on a date (the read GET /v1/municipalities/:m/coverage answers): unique children by
// direction, age, certificate type and provider, certificates against the targets; charts and tables.

const DIRECTIONS: Record<(typeof DIRECTION_KEYS)[number], string> & Record<string, string> = {
  technical: 'техническая',
  'natural-science': 'естественнонаучная',
  'physical-culture-and-sports': 'физкультурно-спортивная',
  artistic: 'художественная',
  'tourism-and-local-history': 'туристско-краеведческая',
  'social-humanitarian': 'социально-гуманитарная',
}
const TYPES: Record<string, string> = { financing: 'финансирования', accounting: 'учёта' }
const percent = (share: string | null) => (share === null ? '—' : `${(Number(share) * 100).toLocaleString('ru-RU', { maximumFractionDigits: 2 })} %`)

export function coveragePages(app: FastifyInstance, deps: WebDependencies) {
  app.get('/coverage', { config: { webRoles: PAGES.coverage.roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const q = z.object({ municipality: id.optional(), date: date.optional(), format: z.enum(['html', 'csv', 'xlsx']).default('html') }).safeParse(request.query)
    if (!q.success) throw new WebError(400, 'Неверные параметры страницы.')
    const places = await municipalitiesOf(deps, payerFilter(session.caller))
    const municipality = q.data.municipality ?? [...places.keys()][0]
    if (!municipality) return sendPage(reply, page({ title: 'Охват', session, body: html`<p>Ни одного периода финансирования пока не открыто.</p>` }))
    await requireMunicipalityScope(deps.reader, request, municipality)
    if (!places.has(municipality)) throw new WebError(404, 'Муниципалитет не найден.')
    const on = q.data.date ?? todayIn(deps.timeZone)
    const form = html`<form method="get" action="/coverage"><input type="hidden" name="municipality" value="${municipality}">
<label for="date">На дату</label> <input id="date" name="date" type="date" value="${on}"> <button type="submit">Показать</button></form>`
    const first = await deps.reader.certificates.firstIssuedOn(municipality)
    // The last day a contract of the municipality ran: where a date without children offers to look instead.
    const [last] = await deps.db.sql<{ d: string | null }[]>`
      SELECT max(least(end_date, coalesce(closes_on, end_date)))::text AS d FROM reporting.contracts WHERE municipality = ${municipality} AND accepted_on IS NOT NULL`
    const offer = (text: string) =>
      messageBox(
        'notice',
        html`${text}${last?.d ? html` Последняя дата с данными: <a href="/coverage?municipality=${municipality}&amp;date=${last.d}">${formatDate(last.d)}</a>.` : ''}`,
      )
    if (first === null || on < first) {
      return sendPage(reply, page({ title: `Охват: ${municipality}`, session, body: html`${form}${offer(`На ${formatDate(on)} сертификатов ещё не было.`)}` }))
    }
    const c = await deps.reader.coverage.on(municipality, on)
    const names = new Names(deps)
    const providers = await Promise.all(
      c.byProvider.map(async (p: { key: string; children: number; share: string | null }) => ({ ...p, key: await names.provider(p.key) })),
    )
    const sections: [string, { key: string; children: number; share: string | null }[], (k: string) => string][] = [
      ['По направленностям', c.byDirection, (k) => DIRECTIONS[k] ?? k],
      ['По возрасту', c.byAge, (k) => `${k} лет`],
      ['По типу сертификата', c.byCertificateType, (k) => TYPES[k] ?? k],
      ['По поставщикам', providers, (k) => k],
    ]
    if (q.data.format !== 'html') {
      const rows: (string | number)[][] = [
        ['Детей занимается (уникальных)', '', c.childrenEnrolled, c.coverageShare ?? ''],
        ...sections.flatMap(([title, list, label]) => list.map((r) => [title, label(r.key), r.children, r.share ?? ''])),
      ]
      const name = `coverage-${municipality}-${on}`
      if (q.data.format === 'csv') {
        const cell = (v: string | number) => (/[;"\r\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v))
        const lines = [['Раздел', 'Значение', 'Детей', 'Доля населения 5–18 лет'], ...rows.map((r) => [r[0]!, r[1]!, r[2]!, String(r[3]).replace('.', ',')])]
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.csv"`)
          .send(`\uFEFF${lines.map((l) => l.map(cell).join(';')).join('\r\n')}\r\n`)
      }
      const book = await newWorkbook()
      const sheet = book.addWorksheet('Охват')
      sheet.addRow([`Охват: ${municipality} на ${formatDate(on)}`]).font = { bold: true }
      sheet.addRow(['Раздел', 'Значение', 'Детей', 'Доля населения 5–18 лет']).font = { bold: true }
      for (const r of rows) sheet.addRow([r[0], r[1], r[2], r[3] === '' ? '' : Number(r[3])])
      sheet.getColumn(1).width = 32
      sheet.getColumn(2).width = 32
      sheet.getColumn(4).numFmt = '0.00%'
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${name}.xlsx"`)
        .send(Buffer.from(await book.xlsx.writeBuffer()))
    }
    const download = (format: string) => `/coverage?municipality=${encodeURIComponent(municipality)}&date=${on}&format=${format}`
    const section = (title: string, rows: { key: string; children: number; share: string | null }[], label: (k: string) => string) =>
      html`<h2>${title}</h2>
${barChart(
  title,
  rows.map((r) => ({ label: label(r.key), value: r.children })),
)}
<table><thead><tr><th scope="col">${title}</th><th scope="col" class="num">Детей</th><th scope="col" class="num">Доля населения 5–18 лет</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><th scope="row">${label(r.key)}</th><td class="num">${r.children}</td><td class="num">${percent(r.share)}</td></tr>`)}</tbody></table>`
    const body = html`${form}
${c.childrenEnrolled === 0 ? offer(`На ${formatDate(on)} ни один ребёнок не занимается.`) : ''}
<table><caption>${municipality} на ${formatDate(on)}</caption><tbody>
<tr><th scope="row">Детей занимается (уникальных)</th><td class="num">${c.childrenEnrolled}</td></tr>
<tr><th scope="row">Охват (доля детей 5–18 лет)</th><td class="num">${percent(c.coverageShare)}</td></tr>
<tr><th scope="row">Население 5–18 лет${c.populationYear ? ` (${c.populationYear})` : ''}</th><td class="num">${c.population ?? '—'}</td></tr>
<tr><th scope="row">Сертификатов выдано</th><td class="num">${c.certificates.issued} (${percent(c.certificates.share)}, цель ${percent(c.certificates.targetShare)})</td></tr>
<tr><th scope="row">Сертификатов финансирования</th><td class="num">${c.certificates.financing} (${percent(c.certificates.financingShare)}, цель ${percent(c.certificates.targetFinancingShare)})</td></tr>
</tbody></table>
<p>Скачать: <a href="${download('csv')}">CSV</a> · <a href="${download('xlsx')}">XLSX</a></p>
${sections.map(([title, list, label]) => section(title, list, label))}`
    return sendPage(reply, page({ title: `Охват: ${municipality}`, session, body }))
  })
}
