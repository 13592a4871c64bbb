import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import t from 'tap'
import { invoiceNumber } from '../../src/domain/invoice.ts'
import { webWorld } from '../helpers/web.ts'
import { MUNICIPALITY } from '../helpers/world.ts'

// The workspace in a real browser: Debian's Chromium driven by playwright-core, headless. One browser for the file;
// each test signs in in a context of its own and saves a screenshot under .tap/screenshots/. Without the browser
// the file is skipped with one line saying why (.ci/run installs it).

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const skip = fs.existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}: apt-get install chromium to run the workspace's browser tests`
const SHOTS = path.join('.tap', 'screenshots')

/** Amounts as the pages write them: narrow no-break space between thousands, comma, no-break space, ₽. */
const rub = (kopecks: number) => `${Math.trunc(kopecks / 100)},${String(kopecks % 100).padStart(2, '0')}\u00A0₽`

t.test('the workspace in Chromium', { skip }, async (t) => {
  const w = await webWorld(t)
  const base = await w.app.listen({ host: '127.0.0.1', port: 0 })
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  t.teardown(() => browser.close())
  fs.mkdirSync(SHOTS, { recursive: true })
  const payerToken = await w.token('payer', { payerId: 'payer-1' })
  const bearer = { authorization: `Bearer ${payerToken}` }

  async function signedIn(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'ru-RU' })
    const page = await context.newPage()
    await page.goto(`${base}/months`)
    await page.getByLabel('Токен доступа').fill(token)
    await page.getByRole('button', { name: 'Войти' }).click()
    return page
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })

  await t.test('sign in, preview and close a month, the board equals the reconciliation JSON, sign out', async (t) => {
    const page = await signedIn(payerToken)
    t.match(page.url(), /\/months$/, 'back on the page asked for, signed in')
    t.equal(await page.getAttribute('html', 'lang'), 'ru')
    await page
      .getByRole('row', { name: /октябрь 2024/ })
      .getByRole('link', { name: 'Закрыть месяц…' })
      .click()
    t.match(await page.locator('main').innerText(), /Ничего не записано/)
    // Closing October issues one final invoice: 90 % of 435.95 = 392.355 → 392.36 (half-up), no advance to deduct.
    t.match(await page.getByRole('table', { name: 'Итоговые счета месяца' }).innerText(), rub(39236))
    await shot(page, 'month-close-preview')
    const before = await w.db.sql`SELECT count(*)::int AS n FROM ledger.events`
    await page.getByLabel(/Я проверил\(а\) предпросмотр/).check()
    await page.getByRole('button', { name: 'Закрыть месяц' }).click()
    t.match(await page.getByRole('status').innerText(), /закрыт/)
    const after = await w.db.sql`SELECT count(*)::int AS n FROM ledger.events`
    t.ok(after[0]!.n > before[0]!.n, 'the close was recorded')
    await shot(page, 'month-board')

    const on = new URL(page.url()).searchParams.get('on') ?? (await page.getByLabel('На дату').inputValue())
    const api = await w.app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10&on=${on}`, headers: bearer })
    const totals = api.json().totals as Record<string, string>
    const k = (s: string) => Math.round(Number(s) * 100)
    const cells = await page
      .getByRole('row', { name: /октябрь 2024/ })
      .getByRole('cell')
      .allInnerTexts()
    t.same(
      cells.slice(1, 8),
      [
        totals.advanceInvoiced,
        totals.advancePaid,
        totals.finalInvoiced,
        totals.finalPaid,
        String((k(totals.advancePaidLate!) + k(totals.finalPaidLate!)) / 100),
        totals.outstanding,
        totals.overdueOutstanding,
      ].map((s) => rub(k(s!))),
      'October on the board: the figures of GET /v1/reconciliation',
    )
    t.equal(totals.finalInvoiced, '392.36')

    await page.getByRole('button', { name: 'Выйти' }).click()
    t.match(page.url(), /\/sign-in$/)
    await page.goto(`${base}/months`)
    t.match(page.url(), /\/sign-in\?next=/, 'signed out: the board asks to sign in again')
    await page.context().close()
  })

  await t.test('a payment through the form changes the invoice page and the API; an overpayment is refused in Russian', async (t) => {
    const page = await signedIn(payerToken)
    await page.goto(`${base}/reconciliation?municipality=${MUNICIPALITY}&month=2024-10`)
    await page
      .getByRole('table', { name: /Сверка расчётов/ })
      .getByRole('link', { name: 'итоговый' })
      .click()
    t.equal(await page.locator('#outstanding').innerText(), rub(39236))
    await page.getByLabel('Сумма, ₽').fill('100,00')
    await page.getByLabel('Дата оплаты').fill('2024-11-05')
    await page.getByLabel('№ платёжного поручения').fill('77')
    await page.getByRole('button', { name: 'Внести оплату' }).click()
    t.match(await page.getByRole('status').innerText(), /Оплата записана/)
    t.equal(await page.locator('#outstanding').innerText(), rub(39236 - 10000), '392.36 − 100.00 left to pay')
    t.match(await page.getByRole('table', { name: 'Платежи' }).innerText(), /05\.11\.2024\s+№ 77/)
    const api = await w.app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10`, headers: bearer })
    t.match(api.json().totals, { finalPaid: '100.00', outstanding: '292.36' }, 'the API sees the same payment')

    await page.getByLabel('Сумма, ₽').fill('500,00')
    await page.getByLabel('№ платёжного поручения').fill('78')
    await page.getByRole('button', { name: 'Внести оплату' }).click()
    t.match(await page.getByRole('alert').innerText(), /Сумма оплаты больше остатка к оплате по счёту/)
    t.equal(await page.locator('#outstanding').innerText(), rub(29236), 'nothing changed')
    await shot(page, 'invoice')

    // A bank statement paying 50.00 of the same invoice, and an order naming no invoice of the ledger.
    const order = (n: string, sum: string, purpose: string) => [
      'СекцияДокумент=Платежное поручение',
      `Номер=${n}`,
      'Дата=06.11.2024',
      `Сумма=${sum}`,
      'ПлательщикСчет=40204810000000000001',
      `НазначениеПлатежа=${purpose}`,
      'КонецДокумента',
    ]
    const statement = [
      '1CClientBankExchange',
      'ВерсияФормата=1.03',
      'Кодировка=Windows',
      ...order('90', '50.00', `Оплата по счёту № ${invoiceNumber('F', '2024-10', MUNICIPALITY, 'payer-1', 'prov-1')} за услуги.`),
      ...order('91', '10.00', 'Аренда зала'),
      'КонецФайла',
    ].join('\r\n')
    await page.getByRole('link', { name: 'Выписка банка' }).click()
    await page.getByLabel(/Файл 1CClientBankExchange/).setInputFiles({ name: 'statement.txt', mimeType: 'text/plain', buffer: Buffer.from(statement, 'utf8') })
    await page.getByRole('button', { name: 'Загрузить и сопоставить' }).click()
    const orders = page.getByRole('table', { name: 'Платёжные поручения выписки' })
    t.match(await orders.getByRole('row', { name: /Аренда зала/ }).innerText(), /не найден/)
    await shot(page, 'bank-statement')
    await page.getByRole('button', { name: 'Записать сопоставленные платежи (1)' }).click()
    t.match(await page.getByRole('status').innerText(), /Записано платежей: 1; уже были записаны раньше: 0/)
    const after = await w.app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10`, headers: bearer })
    t.match(after.json().totals, { finalPaid: '150.00', outstanding: '242.36' }, 'the statement’s payment recorded on the invoice')
    await page.context().close()
  })

  await t.test('a certificate on a business date; keyboard; 403 for a role; a POST without the CSRF token', async (t) => {
    const page = await signedIn(payerToken)
    await page.goto(`${base}/certificates`)
    await page.keyboard.press('Tab')
    t.equal(await page.evaluate(() => document.activeElement?.textContent), 'К содержанию', 'the first Tab reaches the skip link')
    await page.getByLabel('Номер сертификата').fill(w.certificateNumber)
    await page.getByLabel('На дату (необязательно)').fill('2024-09-30')
    await page.getByLabel('Номер сертификата').press('Enter')
    const balances = page.getByRole('table', { name: /Остаток по периодам на 30\.09\.2024/ })
    t.match(await balances.innerText(), /7\u202F760,00\u00A0₽/, 'before the contract: the whole nominal of 7 760.00')
    await shot(page, 'certificate')
    const forged = await page.request.post(`${base}/months/${MUNICIPALITY}/2024-11/close`, { form: { closedOn: '2024-12-01', confirm: 'yes' } })
    t.equal(forged.status(), 403, 'a form posted without the CSRF token is refused')
    await page.context().close()

    const reporting = await signedIn(await w.token('reporting'))
    await reporting.goto(`${base}/coverage?municipality=${MUNICIPALITY}&date=2024-10-20`)
    t.equal(await reporting.locator('svg[role="img"]').count(), 4, 'four bar charts drawn on the server')
    t.match(await reporting.getByRole('table', { name: /на 20\.10\.2024/ }).innerText(), /Детей занимается \(уникальных\)\s+1/, 'the one child of the contract')
    await shot(reporting, 'coverage')
    t.equal((await reporting.goto(`${base}/providers`))?.status(), 403, 'the providers page is the payers’ and the operator’s')
    await reporting.context().close()

    const payerPage = await signedIn(payerToken)
    await payerPage.goto(`${base}/providers`)
    t.match(await payerPage.getByRole('heading', { level: 2 }).first().innerText(), 'Центр детского творчества', 'the registered name, not the id')
    await payerPage.context().close()

    const auditor = await signedIn(await w.token('auditor'))
    await auditor.getByRole('link', { name: 'Аудит' }).click()
    await auditor.getByRole('button', { name: 'Проверить журнал' }).click()
    t.match(await auditor.getByRole('status').innerText(), /Журнал цел/, 'verify run from the page, its result shown')
    await shot(auditor, 'audit-verify')
    const exported = await auditor.request.get(`${base}/audit/export?municipality=${MUNICIPALITY}&from=2024-09-01&to=2025-08-31`)
    const manifest = await (await auditor.request.get(`${base}/audit/export?municipality=${MUNICIPALITY}&from=2024-09-01&to=2025-08-31&part=manifest`)).json()
    const ndjson = await exported.body()
    t.equal(manifest.sha256, crypto.createHash('sha256').update(ndjson).digest('hex'), 'the export downloads with its manifest')
    t.equal(ndjson.toString().trim().split('\n').length, manifest.events)
    await auditor.goto(`${base}/audit/stream?stream=${encodeURIComponent(`settlement-${MUNICIPALITY}`)}`)
    const first = JSON.parse(
      ndjson
        .toString()
        .split('\n')
        .find((l) => l.includes(`"settlement-${MUNICIPALITY}"`))!,
    )
    t.match(await auditor.locator('main').innerText(), first.hash, 'a stream’s raw events with their hashes')
    t.equal((await auditor.goto(`${base}/bank-statement`))?.status(), 403, 'the bank statement is the payer’s')
    await auditor.context().close()

    const provider = await signedIn(await w.token('provider', { providerId: 'prov-1' }))
    const res = await provider.goto(`${base}/months`)
    t.equal(res?.status(), 403)
    t.match(await provider.locator('main').innerText(), /Вашей роли это действие или страница недоступны/)
    await shot(provider, 'forbidden')
    await provider.context().close()
  })
})
