import crypto from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { notAfterToday } from '../../api/reads.ts'
import { date } from '../../app/fields.ts'
import { recordPayment, reversePayment } from '../../app/payments.ts'
import { providerFilter, requireReach } from '../../app/scope.ts'
import { todayIn } from '../../audit/as-of.ts'
import { parseAmount } from '../../domain/money.ts'
import { messageBox, pageCommandContext, refusalText, sendPage, sessionOf, type WebDependencies, WebError, waitForCommand } from '../context.ts'
import { formatDate, formatKopecks, formatMonth, formatRoubles, parseRoubles } from '../format.ts'
import { html } from '../html.ts'
import { csrfField, PAGES, page } from '../layout.ts'
import { Names, paymentsOf } from '../reads.ts'
import type { WebSession } from '../sessions.ts'

// An invoice: its lines, totals, the advance deducted, what is due, its payments; the payment form and reversals
// (the same application commands as POST /v1/invoices/:id/payments and …/reversal); links to its documents.

const PAY_ROLES = ['payer', 'operator'] as const
const invoiceId = z.string().min(1).max(200)

type Row = Record<string, unknown>
const n = (v: unknown) => Number(v ?? 0)

interface FormState {
  error?: string | null
  ok?: string | null
  values?: Record<string, string>
}

async function renderInvoice(deps: WebDependencies, request: FastifyRequest, reply: FastifyReply, id: string, state: FormState = {}, status = 200) {
  const session = sessionOf(request)
  const invoice = await deps.reader.invoices.document(id)
  if (!invoice) throw new WebError(404, 'Счёт не найден.')
  requireReach(session.caller, { kind: 'invoice', id, providerId: String(invoice.provider_id), payerId: String(invoice.payer_id) })
  const names = new Names(deps)
  const payments = await paymentsOf(deps, id)
  const contracts = invoice.lines.length
    ? await deps.db.sql<{ contract_id: string; programme_id: string; group_id: string }[]>`
        SELECT contract_id, programme_id, group_id FROM reporting.contracts WHERE contract_id IN ${deps.db.sql(invoice.lines.map((l) => String(l.contract_id)))}`
    : []
  const of = new Map(contracts.map((c) => [c.contract_id, c]))
  const paid = payments.filter((p) => !p.reversed).reduce((s, p) => s + n(p.amount), 0)
  const deducted = invoice.kind === 'advance' && invoice.deducted_on !== null
  const outstanding = deducted ? 0 : n(invoice.amount_due) - paid
  const mayPay = (PAY_ROLES as readonly string[]).includes(session.caller.role)
  const kind = invoice.kind === 'final' ? 'Итоговый счёт' : 'Авансовый счёт'
  const title = `${kind} № ${invoice.number}`
  const doc = (format: string, label: string) => html`<a href="/v1/invoices/${encodeURIComponent(id)}/document?format=${format}">${label}</a>`
  const body = html`${messageBox('ok', state.ok)}${messageBox('error', state.error)}
<dl>
<dt>Поставщик</dt><dd>${await names.provider(String(invoice.provider_id))}</dd>
<dt>Плательщик</dt><dd>${await names.payer(String(invoice.payer_id))}</dd>
<dt>Муниципалитет, месяц</dt><dd>${invoice.municipality}, ${formatMonth(String(invoice.month))}</dd>
<dt>Дата счёта</dt><dd>${formatDate(String(invoice.issued_on))}</dd>
</dl>
<p>Документ: ${doc('pdf', 'PDF')} · ${doc('xlsx', 'XLSX')} · ${doc('text', 'текст')}</p>
<table><caption>Строки счёта</caption>
<thead><tr><th scope="col">Сертификат</th><th scope="col">Программа</th><th scope="col">Группа</th><th scope="col">Месяц</th>
<th scope="col" class="num">Сумма за месяц</th><th scope="col" class="num">${invoice.kind === 'final' ? 'Выполнено' : 'Доля аванса'}</th><th scope="col" class="num">Сумма строки</th></tr></thead>
<tbody>${invoice.lines.map((l: Row) => {
    const c = of.get(String(l.contract_id))
    const amount = l.line_amount ?? l.amount
    return html`<tr><td><a href="/certificates?number=${String(l.certificate_number)}">${String(l.certificate_number)}</a></td><td>${c?.programme_id ?? '—'}</td><td>${c?.group_id ?? '—'}</td>
<td>${formatMonth(String(l.month ?? invoice.month))}</td><td class="num">${formatKopecks(n(l.month_amount))}</td>
<td class="num">${l.completeness_bp === undefined ? '—' : `${(n(l.completeness_bp) / 100).toLocaleString('ru-RU')} %`}</td><td class="num">${formatKopecks(n(amount))}</td></tr>`
  })}
${invoice.corrections.map(
  (
    c: Row,
  ) => html`<tr><td>${String(c.certificate_number)}</td><td colspan="2">корректировка счёта ${String(c.corrects_invoice_id)}</td><td>${formatMonth(String(c.month))}</td>
<td></td><td></td><td class="num">${formatKopecks(n(c.amount))}</td></tr>`,
)}</tbody>
<tfoot>
<tr><th scope="row" colspan="6">Итого услуг</th><td class="num">${formatKopecks(n(invoice.total))}</td></tr>
${invoice.kind === 'final' ? html`<tr><th scope="row" colspan="6">Зачтён аванс</th><td class="num">${formatKopecks(n(invoice.advance_deducted))}</td></tr>` : ''}
<tr><th scope="row" colspan="6">К оплате</th><td class="num">${formatKopecks(n(invoice.amount_due))}</td></tr>
<tr><th scope="row" colspan="6">Оплачено</th><td class="num" id="paid">${formatKopecks(paid)}</td></tr>
<tr><th scope="row" colspan="6">Остаток к оплате</th><td class="num" id="outstanding">${formatKopecks(outstanding)}</td></tr>
</tfoot></table>
${deducted ? messageBox('notice', `Аванс зачтён в итоговом счёте месяца ${formatDate(String(invoice.deducted_on))}: остаток оплачивается по итоговому счёту.`) : ''}
<table><caption>Платежи</caption>
<thead><tr><th scope="col">Дата</th><th scope="col">Платёжное поручение</th><th scope="col" class="num">Сумма</th><th scope="col">С опозданием</th><th scope="col">Сторно</th></tr></thead>
<tbody>${payments.map(
    (
      p,
    ) => html`<tr><td>${formatDate(p.paid_on)}</td><td>№ ${p.payment_order}</td><td class="num">${formatKopecks(p.amount)}</td><td>${p.overdue ? 'да' : 'нет'}</td>
<td>${p.reversed ? `сторнирован ${formatDate(p.reversed_on)}` : mayPay ? reversalForm(session, id, p.payment_id, todayIn(deps.timeZone)) : '—'}</td></tr>`,
  )}</tbody></table>
${payments.length === 0 ? html`<p>Платежей нет.</p>` : ''}
${mayPay && !deducted && outstanding > 0 ? paymentForm(session, id, todayIn(deps.timeZone), state.values) : ''}`
  return sendPage(reply, page({ title, session, body }), status)
}

function paymentForm(session: WebSession, id: string, today: string, values: Record<string, string> = {}) {
  return html`<form method="post" action="/invoices/${encodeURIComponent(id)}/payments">${csrfField(session)}
<input type="hidden" name="paymentId" value="${crypto.randomUUID()}">
<fieldset><legend>Внести оплату</legend>
<label for="amount">Сумма, ₽</label> <input id="amount" name="amount" inputmode="decimal" required size="14" maxlength="20" value="${values.amount ?? ''}" placeholder="5 871,80">
<label for="paidOn">Дата оплаты</label> <input id="paidOn" name="paidOn" type="date" required max="${today}" value="${values.paidOn ?? today}">
<label for="paymentOrder">№ платёжного поручения</label> <input id="paymentOrder" name="paymentOrder" required size="10" maxlength="50" value="${values.paymentOrder ?? ''}">
<button type="submit">Внести оплату</button></fieldset></form>`
}

function reversalForm(session: WebSession, id: string, paymentId: string, today: string) {
  return html`<details><summary>Сторнировать</summary><form method="post" action="/invoices/${encodeURIComponent(id)}/payments/${encodeURIComponent(paymentId)}/reversal">${csrfField(session)}
<label>Дата сторно <input name="reversedOn" type="date" required max="${today}" value="${today}"></label>
<label>Причина <input name="reason" required maxlength="500" size="30"></label>
<button type="submit">Сторнировать платёж</button></form></details>`
}

export function invoicePages(app: FastifyInstance, deps: WebDependencies) {
  app.get('/invoices', { config: { webRoles: PAGES.invoices.roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const provider = providerFilter(session.caller)
    if (!provider) return reply.redirect('/reconciliation', 303)
    const invoices = await deps.reader.invoices.ofProvider(provider, null, null)
    const payers = await deps.reader.organisations.names(
      'payer',
      invoices.map((i) => String(i.payerId)),
    )
    const body = html`<table><caption>Счета организации ${await new Names(deps).provider(provider)}</caption>
<thead><tr><th scope="col">Номер</th><th scope="col">Вид</th><th scope="col">Месяц</th><th scope="col">Плательщик</th><th scope="col" class="num">К оплате</th><th scope="col" class="num">Остаток</th></tr></thead>
<tbody>${invoices.map(
      (
        i,
      ) => html`<tr><td><a href="/invoices/${encodeURIComponent(String(i.invoiceId))}">${String(i.number)}</a></td><td>${i.kind === 'final' ? 'итоговый' : 'авансовый'}</td>
<td>${formatMonth(String(i.month))}</td><td>${payers.get(String(i.payerId)) ?? String(i.payerId)}</td><td class="num">${formatRoubles(i.amountDue)}</td><td class="num">${formatRoubles(i.outstanding)}</td></tr>`,
    )}</tbody></table>`
    return sendPage(reply, page({ title: 'Счета', session, body }))
  })

  app.get('/invoices/:invoiceId', { config: { webRoles: PAGES.invoices.roles } }, async (request, reply) => {
    const p = z.object({ invoiceId }).safeParse(request.params)
    if (!p.success) throw new WebError(404, 'Счёт не найден.')
    const q = request.query as Record<string, string | undefined>
    return renderInvoice(deps, request, reply, p.data.invoiceId, { ok: q.paid ? 'Оплата записана.' : q.reversed ? 'Платёж сторнирован.' : null })
  })

  app.post('/invoices/:invoiceId/payments', { config: { webRoles: PAY_ROLES } }, async (request, reply) => {
    const p = z.object({ invoiceId }).safeParse(request.params)
    if (!p.success) throw new WebError(404, 'Счёт не найден.')
    const values = (request.body ?? {}) as Record<string, string>
    const form = z.object({ amount: z.string().max(30), paidOn: date, paymentOrder: z.string().trim().min(1).max(50), paymentId: z.uuid() }).safeParse(values)
    const amount = form.success ? parseRoubles(form.data.amount) : null
    if (!form.success || amount === null) {
      return renderInvoice(
        deps,
        request,
        reply,
        p.data.invoiceId,
        { error: 'Укажите сумму (например, 5 871,80), дату оплаты и номер платёжного поручения.', values },
        400,
      )
    }
    try {
      notAfterToday(form.data.paidOn, 'paidOn', deps.timeZone)
      const { paymentId, paidOn, paymentOrder } = form.data
      await recordPayment(deps.ledger, pageCommandContext(request), {
        invoiceId: p.data.invoiceId,
        amount: parseAmount(amount),
        paidOn,
        paymentOrder,
        paymentId,
      })
    } catch (error) {
      const text = refusalText(error)
      if (!text || (error as { status?: number }).status === 404) throw error
      return renderInvoice(deps, request, reply, p.data.invoiceId, { error: text, values }, (error as { status?: number }).status ?? 422)
    }
    await waitForCommand(deps, request.id, ['provider-invoices'])
    return reply.redirect(`/invoices/${encodeURIComponent(p.data.invoiceId)}?paid=1`, 303)
  })

  app.post('/invoices/:invoiceId/payments/:paymentId/reversal', { config: { webRoles: PAY_ROLES } }, async (request, reply) => {
    const p = z.object({ invoiceId, paymentId: z.string().min(1).max(100) }).safeParse(request.params)
    if (!p.success) throw new WebError(404, 'Платёж не найден.')
    const form = z.object({ reversedOn: date, reason: z.string().trim().min(1).max(500) }).safeParse(request.body)
    if (!form.success) return renderInvoice(deps, request, reply, p.data.invoiceId, { error: 'Укажите дату сторно и причину.' }, 400)
    try {
      notAfterToday(form.data.reversedOn, 'reversedOn', deps.timeZone)
      await reversePayment(deps.ledger, pageCommandContext(request), { ...p.data, ...form.data })
    } catch (error) {
      const text = refusalText(error)
      if (!text || (error as { status?: number }).status === 404) throw error
      return renderInvoice(deps, request, reply, p.data.invoiceId, { error: text }, (error as { status?: number }).status ?? 422)
    }
    await waitForCommand(deps, request.id, ['provider-invoices'])
    return reply.redirect(`/invoices/${encodeURIComponent(p.data.invoiceId)}?reversed=1`, 303)
  })
}
