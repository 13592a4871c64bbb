import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { date, id } from '../../app/fields.ts'
import { exportMunicipality } from '../../audit/export.ts'
import { type VerifyReport, verifyLedger } from '../../audit/verify.ts'
import { StreamNotFoundError } from '../../store/port.ts'
import { messageBox, sendPage, sessionOf, type WebDependencies, WebError } from '../context.ts'
import { formatDate } from '../format.ts'
import { html, raw } from '../html.ts'
import { csrfField, PAGES, page } from '../layout.ts'
import { municipalitiesOf } from '../reads.ts'
import type { WebSession } from '../sessions.ts'

// The auditor's page: run `verify` (the CLI's verifyLedger) and read its result; download a municipality's export
// (the CLI's exportMunicipality) with its manifest; browse a stream's raw events with their hash chain.

const CHECKS: Record<string, string> = {
  chain: 'цепочки хешей',
  schema: 'схемы событий',
  accounting: 'бухгалтерские инварианты',
  money: 'деньги сертификатов',
  invoice: 'счета и платежи',
  projection: 'модели чтения против повторного прогона',
  postings: 'проводки',
}
const exportQuery = z.object({ municipality: id, from: date, to: date, part: z.enum(['events', 'manifest']).default('events') })

async function auditForms(deps: WebDependencies, session: WebSession) {
  const places = [...(await municipalitiesOf(deps, null)).entries()]
  const first = places[0]
  return html`<form method="post" action="/audit/verify">${csrfField(session)}
<fieldset><legend>Проверка журнала</legend><p>Перечитывает весь журнал: цепочки хешей, схемы, денежные инварианты и модели чтения. На большом журнале — минуты.</p>
<button type="submit">Проверить журнал</button></fieldset></form>
<form method="get" action="/audit/export"><fieldset><legend>Выгрузка для аудитора (NDJSON и манифест)</legend>
<label for="municipality">Муниципалитет</label> <select id="municipality" name="municipality">${places.map(([m]) => html`<option value="${m}">${m}</option>`)}</select>
<label for="from">С</label> <input id="from" name="from" type="date" required value="${first?.[1][0]?.start_date ?? ''}">
<label for="to">По</label> <input id="to" name="to" type="date" required value="${first?.[1].at(-1)?.end_date ?? ''}">
<label for="part">Что скачать</label> <select id="part" name="part"><option value="events">события (.ndjson)</option><option value="manifest">манифест (.json)</option></select>
<button type="submit">Скачать</button></fieldset></form>
<form method="get" action="/audit/stream"><fieldset><legend>События потока</legend>
<label for="stream">Поток</label> <input id="stream" name="stream" required maxlength="300" size="50" placeholder="certificate-…, invoice-…, settlement-…">
<button type="submit">Показать</button></fieldset></form>`
}

function verifyResult(report: VerifyReport, seconds: number) {
  const p = report.firstProblem
  return html`${messageBox(report.ok ? 'ok' : 'error', report.ok ? 'Журнал цел: все проверки прошли.' : 'Найдены расхождения.')}
<p>Событий: ${report.events}, потоков: ${report.streams}; проверено за ${seconds.toLocaleString('ru-RU', { maximumFractionDigits: 1 })} с.</p>
<table><caption>Проверки</caption><thead><tr><th scope="col">Проверка</th><th scope="col" class="num">Проверено</th><th scope="col" class="num">Расхождений</th></tr></thead>
<tbody>${Object.entries(report.checks).map(
    ([k, c]) => html`<tr><th scope="row">${CHECKS[k] ?? k}</th><td class="num">${c.checked}</td><td class="num">${c.problems}</td></tr>`,
  )}</tbody></table>
${
  p
    ? html`<h2>Первое расхождение</h2><dl><dt>Проверка</dt><dd>${p.check}</dd><dt>Где</dt><dd><code>${p.streamId ?? '—'}</code>${p.streamPosition !== undefined ? ` позиция ${p.streamPosition}` : ''}</dd>
<dt>Что</dt><dd>${p.detail}</dd><dt>Ожидалось</dt><dd><code>${String(p.expected)}</code></dd><dt>Найдено</dt><dd><code>${String(p.found)}</code></dd></dl>`
    : ''
}
<p><a href="/audit">К аудиту</a></p>`
}

export function auditPages(app: FastifyInstance, deps: WebDependencies) {
  const roles = PAGES.audit.roles
  app.get('/audit', { config: { webRoles: roles } }, async (request, reply) => {
    const session = sessionOf(request)
    return sendPage(reply, page({ title: 'Аудит', session, body: await auditForms(deps, session) }))
  })

  app.post('/audit/verify', { config: { webRoles: roles } }, async (request, reply) => {
    const session = sessionOf(request)
    // The page is sent as verify runs: its top first, a line per second of progress, then the result.
    const MARK = '<!--verify-->'
    const [top, bottom] = page({ title: 'Аудит: проверка журнала', session, body: raw(MARK) }).split(MARK) as [string, string]
    const out = new PassThrough()
    void reply.type('text/html; charset=utf-8').send(out)
    out.write(`${top}<div aria-live="polite">`)
    const started = Date.now()
    let shown = started
    try {
      const report = await verifyLedger(deps.db.sql, deps.store, {
        maxProblems: 20,
        onProgress: (n) => {
          if (Date.now() - shown < 1000) return
          shown = Date.now()
          out.write(html`<p class="muted">Прочитано событий: ${n}…</p>`.text)
        },
      })
      out.write(`</div>${verifyResult(report, (Date.now() - started) / 1000).text}${bottom}`)
    } catch (error) {
      request.log.error({ err: error }, 'verify from the workspace failed')
      out.write(`</div>${messageBox('error', 'Проверка не завершилась: внутренняя ошибка.').toString()}${bottom}`)
    }
    out.end()
    return reply
  })

  app.get('/audit/export', { config: { webRoles: roles } }, async (request, reply) => {
    const q = exportQuery.safeParse(request.query)
    if (!q.success || q.data.from > q.data.to) throw new WebError(400, 'Укажите муниципалитет и период (дата начала не позже даты конца).')
    const { municipality, from, to, part } = q.data
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-export-'))
    try {
      const out = path.join(dir, 'export.ndjson')
      try {
        await exportMunicipality(deps.store, { municipality, selection: { by: 'business', from, to }, out })
      } catch (error) {
        if ((error as Error).name === 'NothingToExportError')
          throw new WebError(404, `У ${municipality} нет событий с ${formatDate(from)} по ${formatDate(to)}.`)
        throw error
      }
      const name = `export-${municipality}-${from}-${to}`
      const file = part === 'manifest' ? `${out}.manifest.json` : out
      return reply
        .type(part === 'manifest' ? 'application/json' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="${name}${part === 'manifest' ? '.manifest.json' : '.ndjson'}"`)
        .send(fs.readFileSync(file))
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  app.get('/audit/stream', { config: { webRoles: roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const q = z.object({ stream: z.string().trim().min(1).max(300) }).safeParse(request.query)
    if (!q.success) throw new WebError(400, 'Укажите поток.')
    let events: Awaited<ReturnType<typeof deps.store.readStream>>
    try {
      events = await deps.store.readStream(q.data.stream, { limit: 1000 })
    } catch (error) {
      if (error instanceof StreamNotFoundError) throw new WebError(404, `Потока ${q.data.stream} нет.`)
      throw error
    }
    const body = html`<p>Поток <code>${q.data.stream}</code>: ${events.length} событий${events.length === 1000 ? ' (первые 1000)' : ''}. Хеш каждого события продолжает хеш предыдущего.</p>
<table><thead><tr><th scope="col" class="num">№</th><th scope="col" class="num">Глоб. позиция</th><th scope="col">Тип</th><th scope="col">Записано</th><th scope="col">Кто</th>
<th scope="col">Хеш предыдущего</th><th scope="col">Хеш</th><th scope="col">Данные</th></tr></thead>
<tbody>${events.map(
      (e) => html`<tr><td class="num">${e.streamPosition}</td><td class="num">${e.globalPosition.toString()}</td><td>${e.type} v${e.schemaVersion}</td>
<td>${e.recordedAt.toISOString()}</td><td><code>${String(e.metadata.actor ?? '')}</code></td><td><code>${e.prevHash}</code></td><td><code>${e.hash}</code></td>
<td><details><summary>JSON</summary><pre>${JSON.stringify(e.data, null, 2)}</pre></details></td></tr>`,
    )}</tbody></table>
<p><a href="/audit">К аудиту</a></p>`
    return sendPage(reply, page({ title: 'Аудит: события потока', session, body }))
  })
}
