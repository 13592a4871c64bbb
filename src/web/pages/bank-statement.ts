import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { decodeStatement, importStatement, invoiceNumbersIn, parseStatement, StatementFormatError } from '../../app/bank-statement.ts'
import { sha256 } from '../../app/ids.ts'
import { reaches } from '../../app/scope.ts'
import { todayIn } from '../../audit/as-of.ts'
import { messageBox, sendPage, sessionOf, type WebDependencies, WebError, waitForCommand } from '../context.ts'
import { formatDate, formatKopecks } from '../format.ts'
import { html } from '../html.ts'
import { csrfField, PAGES, page } from '../layout.ts'
import type { WebSession } from '../sessions.ts'

// The payer's bank statement: upload a 1CClientBankExchange file, see which payment orders name which of its invoices
// (the numbers in the purpose, as `ledger import payments` matches them), then record the matched ones — through the
// same importStatement the CLI uses, so an order recorded once is never recorded twice.

/** The largest statement the page takes: its own limit, above the API's 16 KiB for commands. */
export const STATEMENT_BODY_LIMIT = 4 * 1024 * 1024

interface Upload {
  _csrf?: string
  statement?: Buffer
  filename?: string
}

/** Parses a multipart form (the standard Request.formData of Node) into fields and the statement's bytes. */
export async function parseMultipart(contentType: string, body: Buffer): Promise<Upload> {
  const form = await new Request('http://workspace/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Blob([new Uint8Array(body)]),
  }).formData()
  const out: Upload = {}
  const csrf = form.get('_csrf')
  if (typeof csrf === 'string') out._csrf = csrf
  const file = form.get('statement')
  if (file && typeof file !== 'string') {
    out.statement = Buffer.from(await file.arrayBuffer())
    out.filename = file.name.slice(0, 200)
  } else if (typeof form.get('statementBase64') === 'string') {
    out.statement = Buffer.from(String(form.get('statementBase64')), 'base64')
    out.filename = String(form.get('filename') ?? '').slice(0, 200)
  }
  return out
}

function uploadForm(session: WebSession) {
  return html`<form method="post" action="/bank-statement" enctype="multipart/form-data">${csrfField(session)}
<fieldset><legend>Выписка банка</legend>
<label for="statement">Файл 1CClientBankExchange (Windows-1251, DOS или UTF-8)</label> <input id="statement" name="statement" type="file" required accept=".txt,text/plain">
<button type="submit">Загрузить и сопоставить</button></fieldset></form>`
}

export function bankStatementPages(app: FastifyInstance, deps: WebDependencies) {
  const roles = PAGES.bankStatement.roles
  app.get('/bank-statement', { config: { webRoles: roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const q = request.query as { recorded?: string; already?: string }
    const done = q.recorded !== undefined ? `Записано платежей: ${Number(q.recorded) || 0}; уже были записаны раньше: ${Number(q.already) || 0}.` : null
    return sendPage(reply, page({ title: 'Выписка банка', session, body: html`${messageBox('ok', done)}${uploadForm(session)}` }))
  })

  /** The invoice a number names, if the caller reaches it (another payer's invoice is no match). */
  const invoiceFor = (request: FastifyRequest) => async (number: string) => {
    const id = await deps.reader.invoices.idByNumber(number)
    if (!id) return null
    const doc = await deps.reader.invoices.document(id)
    if (!doc) return null
    return reaches(sessionOf(request).caller, { kind: 'invoice', id, providerId: String(doc.provider_id), payerId: String(doc.payer_id) }) ? id : null
  }

  const statementOf = (request: FastifyRequest) => {
    const upload = request.body as Upload
    if (!upload?.statement || upload.statement.length === 0) throw new WebError(400, 'Выберите файл выписки.')
    return { bytes: upload.statement, filename: upload.filename ?? 'statement.txt' }
  }

  app.post('/bank-statement', { config: { webRoles: roles }, bodyLimit: STATEMENT_BODY_LIMIT }, async (request, reply) => {
    const session = sessionOf(request)
    const { bytes, filename } = statementOf(request)
    const orders = parsed(bytes, reply, session)
    if (!orders) return reply
    const find = invoiceFor(request)
    const rows = await Promise.all(
      orders.map(async (o) => {
        const found = (await Promise.all(invoiceNumbersIn(o.purpose).map(find))).filter((x): x is string => x !== null)
        return { o, found }
      }),
    )
    const matched = rows.filter((r) => r.found.length === 1).length
    const body = html`<p>Файл «${filename}»: платёжных поручений ${orders.length}, сопоставлено со счетами ${matched}.</p>
<table><caption>Платёжные поручения выписки</caption>
<thead><tr><th scope="col">Строка</th><th scope="col">№</th><th scope="col">Дата</th><th scope="col" class="num">Сумма</th><th scope="col">Назначение платежа</th><th scope="col">Счёт</th></tr></thead>
<tbody>${rows.map(
      ({
        o,
        found,
      }) => html`<tr><td>${o.line}</td><td>${o.number}</td><td>${formatDate(o.date)}</td><td class="num">${formatKopecks(o.amount)}</td><td>${o.purpose}</td>
<td>${found.length === 1 ? html`<a href="/invoices/${encodeURIComponent(found[0]!)}">${found[0]}</a>` : found.length === 0 ? 'не найден' : 'назван не один счёт'}</td></tr>`,
    )}</tbody></table>
${
  matched > 0
    ? html`<form method="post" action="/bank-statement/record" enctype="multipart/form-data">${csrfField(session)}
<input type="hidden" name="statementBase64" value="${bytes.toString('base64')}"><input type="hidden" name="filename" value="${filename}">
<button type="submit">Записать сопоставленные платежи (${matched})</button></form>`
    : messageBox('notice', 'Ни одно поручение не называет ваш счёт: записывать нечего.')
}
<p><a href="/bank-statement">Загрузить другую выписку</a></p>`
    return sendPage(reply, page({ title: 'Выписка банка: сопоставление', session, body }))
  })

  app.post('/bank-statement/record', { config: { webRoles: roles }, bodyLimit: STATEMENT_BODY_LIMIT * 2 }, async (request, reply) => {
    const session = sessionOf(request)
    const { bytes, filename } = statementOf(request)
    if (!parsed(bytes, reply, session)) return reply
    const source = `${filename} (${session.caller.role}:${session.caller.tokenId})`
    const text = decodeStatement(bytes)
    const report = await importStatement(deps.ledger, text, source, invoiceFor(request), todayIn(deps.timeZone))
    // The import's events carry the statement's correlation id (src/app/bank-statement.ts): wait for those.
    await waitForCommand(deps, `statement:${sha256(text).slice(0, 16)}`, ['provider-invoices'])
    return reply.redirect(`/bank-statement?recorded=${report.recorded}&already=${report.alreadyRecorded}`, 303)
  })
}

function parsed(bytes: Buffer, reply: FastifyReply, session: WebSession) {
  try {
    return parseStatement(decodeStatement(bytes))
  } catch (error) {
    if (!(error instanceof StatementFormatError)) throw error
    void sendPage(
      reply,
      page({ title: 'Выписка банка', session, body: html`${messageBox('error', `Файл не принят: ${error.message}`)}${uploadForm(session)}` }),
      422,
    )
    return null
  }
}
