import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { requireCertificateScope } from '../../api/reads.ts'
import { certificateNumber, date } from '../../app/fields.ts'
import { effectiveOn } from '../../audit/as-of.ts'
import { certificateHistory } from '../../audit/history.ts'
import { messageBox, sendPage, sessionOf, type WebDependencies, WebError } from '../context.ts'
import { formatDate, formatKopecks, formatMonth, formatRoubles } from '../format.ts'
import { html } from '../html.ts'
import { PAGES, page } from '../layout.ts'
import { Names } from '../reads.ts'

// A certificate: search by number; its balance per period now or on a business date (the certificate-balances read
// model, or the as-of fold the API's ?asOf= answers with); its contracts; the history with actors and the money's
// effect (the audit trail of GET /v1/certificates/:number/history).

const STATUS: Record<string, string> = { issued: 'выдан', active: 'активирован', frozen: 'заморожен' }
const CONTRACT_STATUS: Record<string, string> = {
  requested: 'заявка',
  accepted: 'действует',
  refused: 'отклонён',
  terminated: 'расторгнут',
  closed: 'закрыт',
}
/** The history's events in words; an event not named here is shown by its type. */
const EVENTS: Record<string, string> = {
  CertificateIssued: 'Сертификат выдан',
  CertificateActivated: 'Сертификат активирован',
  CertificateTypeChanged: 'Тип сертификата изменён',
  CertificateFrozen: 'Сертификат заморожен',
  CertificateUnfrozen: 'Сертификат разморожен',
  CertificateQueuedForFinancing: 'Поставлен в очередь на финансирование',
  CertificatePromotedFromQueue: 'Получил место из очереди',
  CertificateLeftFinancingQueue: 'Вышел из очереди',
  FinancingPlaceTaken: 'Занято место финансирования',
  FinancingPlaceReleased: 'Освобождено место финансирования',
  NominalCredited: 'Зачислен номинал',
  CertificateFundsReserved: 'Средства зарезервированы',
  CertificateReservationReleased: 'Резерв возвращён',
  CertificateFundsWrittenOff: 'Средства списаны',
  CertificateWriteOffReturned: 'Списание возвращено',
  ShortfallRefunded: 'Недовыполнение возвращено на сертификат',
  GroupPlaceTaken: 'Занято место в группе',
  GroupPlaceReleased: 'Освобождено место в группе',
  ContractRequested: 'Заявка на договор',
  ContractAccepted: 'Договор принят',
  ContractRefused: 'Договор отклонён',
  ContractTerminated: 'Договор расторгнут',
  ContractClosed: 'Договор закрыт',
  ContractMonthSettled: 'Месяц рассчитан',
  ContractMonthCorrected: 'Месяц скорректирован',
  ContractCorrectionInvoiced: 'Корректировка выставлена в счёте',
  AttendanceRecorded: 'Посещаемость',
}
const TYPES: Record<string, string> = { financing: 'финансирования', accounting: 'учёта' }

const query = z.object({ number: z.string().trim().max(64).optional(), asOf: date.optional() })

export function certificatePages(app: FastifyInstance, deps: WebDependencies) {
  app.get('/certificates', { config: { webRoles: PAGES.certificates.roles } }, async (request, reply) => {
    const session = sessionOf(request)
    const q = query.safeParse(request.query)
    if (!q.success) throw new WebError(400, 'Неверные параметры страницы.')
    const { number: text, asOf } = q.data
    const search = html`<form method="get" action="/certificates" role="search">
<label for="number">Номер сертификата</label> <input id="number" name="number" value="${text ?? ''}" required maxlength="64">
<label for="asOf">На дату (необязательно)</label> <input id="asOf" name="asOf" type="date" value="${asOf ?? ''}">
<button type="submit">Найти</button></form>`
    if (!text) return sendPage(reply, page({ title: 'Сертификаты', session, body: search }))
    const number = certificateNumber.safeParse(text)
    const notFound = () =>
      sendPage(reply, page({ title: 'Сертификаты', session, body: html`${search}${messageBox('error', `Сертификат ${text} не найден.`)}` }), 404)
    if (!number.success) return notFound()
    const now = await deps.reader.certificates.view(number.data)
    try {
      await requireCertificateScope(deps.reader, request, now, number.data)
    } catch {
      return notFound()
    }
    if (!now) return notFound()
    const view = asOf ? (await deps.reader.certificates.asOf(number.data, { on: asOf, known: {} })).view : now
    const known = await deps.store.readTouching({ certificateNumber: number.data })
    const history = certificateHistory(asOf ? known.filter(effectiveOn(asOf)) : known)
    const names = new Names(deps)
    const body = html`${search}
<p>Сертификат <strong>${now.certificateNumber}</strong>, ${now.municipality}: выдан ${formatDate(now.issuedOn)}, тип «${TYPES[now.type] ?? now.type}», ${STATUS[now.status] ?? now.status}.</p>
${
  view
    ? html`<table><caption>Остаток по периодам ${asOf ? `на ${formatDate(asOf)}` : 'сейчас'}</caption>
<thead><tr><th scope="col">Период</th><th scope="col" class="num">Номинал</th><th scope="col" class="num">Зарезервировано</th><th scope="col" class="num">Списано</th>
<th scope="col" class="num">Остаток</th><th scope="col" class="num">Договоров</th></tr></thead>
<tbody>${view.periods.map(
        (p) => html`<tr><th scope="row">${p.periodId}</th><td class="num">${formatRoubles(p.nominal)}</td><td class="num">${formatRoubles(p.reserved)}</td>
<td class="num">${formatRoubles(p.spent)}</td><td class="num" data-balance="${p.periodId}">${formatRoubles(p.balance)}</td><td class="num">${p.runningContracts}</td></tr>`,
      )}</tbody></table>`
    : messageBox('notice', `На ${formatDate(asOf)} сертификата ещё не было: он выдан ${formatDate(now.issuedOn)}.`)
}
<table><caption>Договоры</caption>
<thead><tr><th scope="col">Поставщик</th><th scope="col">Программа</th><th scope="col">Группа</th><th scope="col">Срок</th><th scope="col">Статус</th><th scope="col" class="num">Часть сертификата</th></tr></thead>
<tbody>${await Promise.all(
      (view ?? now).contracts.map(
        async (
          c,
        ) => html`<tr><td>${await names.provider(c.providerId)}</td><td>${c.programmeId}</td><td>${c.groupId}</td><td>${formatDate(c.startDate)} – ${formatDate(c.endDate)}</td>
<td>${CONTRACT_STATUS[c.status] ?? c.status}</td><td class="num">${formatRoubles(c.certificatePart)}</td></tr>`,
      ),
    )}</tbody></table>
<h2>История${asOf ? ` по ${formatDate(asOf)}` : ''}</h2>
<table><thead><tr><th scope="col">Дата</th><th scope="col">Событие</th><th scope="col">Кто</th><th scope="col">Записано</th><th scope="col" class="num">Остаток до</th><th scope="col" class="num">Остаток после</th></tr></thead>
<tbody>${history.map(
      (
        h,
      ) => html`<tr><td>${formatDate(h.businessDate)}</td><td>${EVENTS[h.type] ?? h.type}${monthOf(h.data)}</td><td><code>${h.actor}</code></td><td>${formatDate(h.recordedAt.slice(0, 10))}</td>
<td class="num">${h.money ? formatKopecks(h.money.balanceBefore) : ''}</td><td class="num">${h.money ? formatKopecks(h.money.balanceAfter) : ''}</td></tr>`,
    )}</tbody></table>`
    return sendPage(reply, page({ title: `Сертификат ${now.certificateNumber}`, session, body }))
  })
}

const monthOf = (data: unknown) => {
  const m = (data as { month?: unknown })?.month
  return typeof m === 'string' ? ` (${formatMonth(m)})` : ''
}
