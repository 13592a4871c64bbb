import t from 'tap'
import { registerPayer } from '../../src/app/registry.ts'
import { csrfOf, form, signIn, webWorld } from '../helpers/web.ts'
import { ctx, MUNICIPALITY } from '../helpers/world.ts'

// The workspace over plain HTTP: sessions in the database, cookies, CSRF, roles and tenants, the Russian API
// messages. The browser tests (test/web/browser.test.ts) drive the same pages in Chromium.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

t.test('signing in, the session cookie, roles, CSRF and signing out', async (t) => {
  const w = await webWorld(t)
  const { app, db } = w
  const anonymous = await app.inject({ url: '/months' })
  t.equal(anonymous.statusCode, 303, 'a page without a session sends to the sign-in form')
  t.match(anonymous.headers.location, /^\/sign-in\?next=%2Fmonths/)

  const signInForm = await app.inject({ url: '/sign-in' })
  t.match(signInForm.body, /<html lang="ru">/)
  t.match(signInForm.body, /<label for="token">Токен доступа<\/label>/)
  const noToken = await app.inject({ method: 'POST', url: '/sign-in', headers: FORM, payload: form({ token: await w.token('payer', { payerId: 'payer-1' }) }) })
  t.equal(noToken.statusCode, 403, 'a sign-in posted without the form’s own token is refused (no other site signs a browser in)')
  t.equal(Number((await db.sql`SELECT count(*) AS n FROM ledger.web_sessions`)[0]!.n), 0, 'and opens no session')

  const pre = /ledger_sign_in=([^;]+)/.exec(String(signInForm.headers['set-cookie']))![1]!
  const wrong = await app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { ...FORM, cookie: `ledger_sign_in=${pre}` },
    payload: form({ _csrf: csrfOf(signInForm.body), token: 'lgr_not-a-token' }),
  })
  t.equal(wrong.statusCode, 401)
  t.match(wrong.body, /Токен неизвестен или отозван/)

  const payerToken = await w.token('payer', { payerId: 'payer-1' })
  const signedIn = await app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { ...FORM, cookie: `ledger_sign_in=${pre}` },
    payload: form({ _csrf: csrfOf(signInForm.body), token: payerToken, next: '/months' }),
  })
  t.equal(signedIn.statusCode, 303)
  t.equal(signedIn.headers.location, '/months')
  const setCookie = ([] as string[]).concat(signedIn.headers['set-cookie'] as string[]).find((c) => c.startsWith('ledger_session='))!
  t.match(setCookie, /; HttpOnly/)
  t.match(setCookie, /; SameSite=Strict/)
  t.notMatch(setCookie, /Secure/, 'plain http: no Secure flag (auto)')
  const cookie = setCookie.split(';')[0]!
  const [stored] = await db.sql<{ session_hash: string; n: string }[]>`SELECT session_hash, count(*) OVER () AS n FROM ledger.web_sessions`
  t.equal(Number(stored!.n), 1, 'the session is a row of the database')
  t.not(stored!.session_hash, cookie.split('=')[1], 'which keeps a hash of the cookie, not the cookie')

  const board = await app.inject({ url: '/months', headers: { cookie } })
  t.equal(board.statusCode, 200)
  t.match(board.body, /<th scope="col">Месяц<\/th>/)
  t.match(board.body, new RegExp(`${MUNICIPALITY}: учебный год по месяцам`))

  // The session also opens the API's downloads (GET only): the CSV of the reconciliation linked from the pages.
  const csv = await app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10&format=csv`, headers: { cookie } })
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /^text\/csv/)
  const commandByCookie = await app.inject({ method: 'POST', url: `/v1/settlement/${MUNICIPALITY}/2024-10/close`, headers: { cookie }, payload: {} })
  t.equal(commandByCookie.statusCode, 401, 'an API command is never authorised by the cookie alone')

  const csrf = csrfOf(board.body)
  const forged = await app.inject({
    method: 'POST',
    url: `/months/${MUNICIPALITY}/2024-10/close`,
    headers: { ...FORM, cookie },
    payload: form({ closedOn: '2024-11-01', confirm: 'yes' }),
  })
  t.equal(forged.statusCode, 403, 'a form without the CSRF token is refused')
  t.match(forged.body, /Форма устарела или отправлена не из рабочего места/)
  const wrongCsrf = await app.inject({
    method: 'POST',
    url: `/months/${MUNICIPALITY}/2024-10/close`,
    headers: { ...FORM, cookie },
    payload: form({ closedOn: '2024-11-01', confirm: 'yes', _csrf: `${csrf.slice(0, -1)}x` }),
  })
  t.equal(wrongCsrf.statusCode, 403)
  const closes = await db.sql`SELECT 1 FROM ledger.events WHERE type = 'MonthClosed'`
  t.equal(closes.length, 0, 'and nothing was closed')

  const signOutForged = await app.inject({ method: 'POST', url: '/sign-out', headers: { ...FORM, cookie }, payload: form({}) })
  t.equal(signOutForged.statusCode, 403, 'signing out needs the CSRF token too')
  const signOut = await app.inject({ method: 'POST', url: '/sign-out', headers: { ...FORM, cookie }, payload: form({ _csrf: csrf }) })
  t.equal(signOut.statusCode, 303)
  t.match(String(signOut.headers['set-cookie']), /ledger_session=; .*Max-Age=0/)
  t.equal((await app.inject({ url: '/months', headers: { cookie } })).statusCode, 303, 'the old cookie opens nothing once signed out')
  t.equal((await app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10`, headers: { cookie } })).statusCode, 401)
})

t.test('sessions expire, die with their token, and are Secure behind https', async (t) => {
  const w = await webWorld(t, { trustProxy: true })
  const { app, db } = w
  const auditorToken = await w.token('auditor')
  const a = await signIn(app, auditorToken)
  t.equal((await app.inject({ url: '/months', headers: { cookie: a.cookie } })).statusCode, 200)
  await db.sql`UPDATE ledger.web_sessions SET expires_at = now() - interval '1 second'`
  t.equal((await app.inject({ url: '/months', headers: { cookie: a.cookie } })).statusCode, 303, 'an expired session is no session')

  const b = await signIn(app, auditorToken)
  await db.sql`UPDATE ledger.api_tokens SET revoked_at = now()`
  t.equal((await app.inject({ url: '/months', headers: { cookie: b.cookie } })).statusCode, 303, 'revoking the token ends its sessions')

  const readerToken = await w.token('auditor')
  const c = await signIn(app, readerToken)
  await db.sql`UPDATE ledger.api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE revoked_at IS NULL`
  t.equal((await app.inject({ url: '/months', headers: { cookie: c.cookie } })).statusCode, 303, 'a token past its expiry ends its sessions')

  const form1 = await app.inject({ url: '/sign-in', headers: { 'x-forwarded-proto': 'https' } })
  t.match(String(form1.headers['set-cookie']), /; Secure/, 'over https (as the proxy says) the cookies are Secure')
})

t.test('a page a role may not see is a 403 page; another tenant’s invoice a 404 page like a missing one', async (t) => {
  const w = await webWorld(t)
  const { app } = w
  const payer = await signIn(app, await w.token('payer', { payerId: 'payer-1' }))
  const board = await app.inject({ url: `/months/${MUNICIPALITY}/2024-10/close`, headers: { cookie: payer.cookie } })
  t.equal(board.statusCode, 200)
  const close = await app.inject({
    method: 'POST',
    url: `/months/${MUNICIPALITY}/2024-10/close`,
    headers: { ...FORM, cookie: payer.cookie },
    payload: form({ closedOn: '2024-11-01', confirm: 'yes', _csrf: payer.csrf }),
  })
  t.equal(close.statusCode, 303, close.body)
  const rec = await app.inject({ url: `/reconciliation?municipality=${MUNICIPALITY}&month=2024-10&on=2024-11-30`, headers: { cookie: payer.cookie } })
  const invoice = /href="\/invoices\/([^"]+)" title="F-[^"]*">итоговый/.exec(rec.body)?.[1]
  t.ok(invoice, 'the reconciliation page links the final invoice')
  const year = await app.inject({ url: `/reconciliation?municipality=${MUNICIPALITY}&month=year&on=2024-11-30`, headers: { cookie: payer.cookie } })
  t.equal(year.statusCode, 200)
  // The school year's total of final invoices: October's only, 392.36 (90 % of 435.95).
  t.match(year.body, /<tfoot><tr><th scope="row" colspan="2">Итого<\/th>(<td class="num">[^<]*<\/td>){2}<td class="num">392,36\u00A0₽<\/td>/)

  // The bank statement has a body limit of its own (4 MiB), above the API's 16 KiB; past it, a 413 page.
  const multipart = (bytes: number) => {
    const boundary = 'b0undary'
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${payer.csrf}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="statement"; filename="s.txt"\r\nContent-Type: text/plain\r\n\r\n`),
      Buffer.from(`1CClientBankExchange\r\n${'x'.repeat(bytes)}\r\nКонецФайла\r\n`),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    return { headers: { cookie: payer.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body }
  }
  const small = await app.inject({ method: 'POST', url: '/bank-statement', ...multipart(100 * 1024) })
  t.equal(small.statusCode, 200, 'a statement of 100 KiB is taken')
  t.match(small.body, /платёжных поручений 0/)
  const huge = await app.inject({ method: 'POST', url: '/bank-statement', ...multipart(5 * 1024 * 1024) })
  t.equal(huge.statusCode, 413, 'one of 5 MiB is not')
  t.match(huge.body, /Запрос слишком велик/)

  const provider = await signIn(app, await w.token('provider', { providerId: 'prov-1' }))
  const forbidden = await app.inject({ url: '/months', headers: { cookie: provider.cookie } })
  t.equal(forbidden.statusCode, 403)
  t.match(forbidden.body, /<html lang="ru">/)
  t.match(forbidden.body, /Вашей роли это действие или страница недоступны/)
  t.equal((await app.inject({ url: `/invoices/${invoice}`, headers: { cookie: provider.cookie } })).statusCode, 200, 'its own invoice')

  const other = await signIn(app, await w.token('provider', { providerId: 'prov-2' }))
  const theirs = await app.inject({ url: `/invoices/${invoice}`, headers: { cookie: other.cookie } })
  const missing = await app.inject({ url: '/invoices/no-such-invoice', headers: { cookie: other.cookie } })
  t.equal(theirs.statusCode, 404)
  t.equal(missing.statusCode, 404)
  t.equal(theirs.body.replace(/<code>[^<]*<\/code>/g, ''), missing.body.replace(/<code>[^<]*<\/code>/g, ''), 'the same page either way')
  const reporting = await signIn(app, await w.token('reporting'))
  t.equal((await app.inject({ url: `/invoices/${invoice}`, headers: { cookie: reporting.cookie } })).statusCode, 403)
  t.equal((await app.inject({ url: '/reconciliation', headers: { cookie: reporting.cookie } })).statusCode, 200)
})

t.test('the API answers in Russian when asked', async (t) => {
  const w = await webWorld(t)
  const headers = { authorization: `Bearer ${await w.token('payer', { payerId: 'payer-1' })}` }
  const en = await w.app.inject({ url: '/v1/invoices/nope/document', headers })
  const ru = await w.app.inject({ url: '/v1/invoices/nope/document', headers: { ...headers, 'accept-language': 'ru-RU,ru;q=0.9' } })
  t.equal(ru.statusCode, 404)
  t.equal(ru.json().code, 'invoice_not_found', 'the code stays')
  t.equal(ru.json().detail, 'Счёт не найден.')
  t.equal(ru.headers['content-language'], 'ru')
  t.match(en.json().detail, /no invoice nope/, 'in English otherwise')
})

t.test('every page renders for its roles and is a 403 page for the others', async (t) => {
  const w = await webWorld(t)
  const { app } = w
  const payer = await signIn(app, await w.token('payer', { payerId: 'payer-1' }))
  const closed = await app.inject({
    method: 'POST',
    url: `/months/${MUNICIPALITY}/2024-10/close`,
    headers: { ...FORM, cookie: payer.cookie },
    payload: form({ closedOn: '2024-11-01', confirm: 'yes', _csrf: payer.csrf }),
  })
  t.equal(closed.statusCode, 303)
  const sessions = {
    operator: await signIn(app, await w.token('operator')),
    payer,
    provider: await signIn(app, await w.token('provider', { providerId: 'prov-1' })),
    auditor: await signIn(app, await w.token('auditor')),
    reporting: await signIn(app, await w.token('reporting')),
  }
  const invoice = `final-${MUNICIPALITY}-payer-1-prov-1-2024-10`
  // Who may open each page, written out here rather than read from the code under test.
  const pages: [string, string[]][] = [
    ['/months', ['payer', 'operator', 'auditor']],
    [`/months/${MUNICIPALITY}/2024-11/close`, ['payer', 'operator', 'auditor']],
    [`/reconciliation?municipality=${MUNICIPALITY}&month=2024-10`, ['payer', 'auditor', 'reporting', 'operator']],
    [`/invoices/${invoice}`, ['payer', 'provider', 'auditor', 'operator']],
    [`/certificates?number=${w.certificateNumber}`, ['operator', 'payer', 'auditor']],
    [`/coverage?municipality=${MUNICIPALITY}&date=2024-10-20`, ['reporting', 'operator', 'payer', 'auditor']],
    ['/providers', ['payer', 'operator']],
    ['/bank-statement', ['payer']],
    ['/audit', ['auditor']],
    ['/tokens', ['operator']],
  ]
  for (const [url, roles] of pages) {
    for (const [role, s] of Object.entries(sessions)) {
      const res = await app.inject({ url, headers: { cookie: s.cookie } })
      t.equal(res.statusCode, roles.includes(role) ? 200 : 403, `${url} for ${role}`)
      t.match(res.body, /^<!doctype html>\n<html lang="ru">/)
    }
  }
  // Coverage downloads: the one child of the contract (robotics: the technical direction), as CSV and as a workbook.
  const csv = await app.inject({ url: `/coverage?municipality=${MUNICIPALITY}&date=2024-10-20&format=csv`, headers: { cookie: sessions.reporting.cookie } })
  t.match(csv.headers['content-type'], /^text\/csv/)
  const lines = csv.body.split('\r\n')
  t.equal(lines[0], '\uFEFFРаздел;Значение;Детей;Доля населения 5–18 лет')
  t.match(lines[1], /^Детей занимается \(уникальных\);;1;/)
  t.ok(lines.some((l) => /^По направленностям;техническая;1;/.test(l)))
  const xlsx = await app.inject({ url: `/coverage?municipality=${MUNICIPALITY}&date=2024-10-20&format=xlsx`, headers: { cookie: sessions.reporting.cookie } })
  t.match(xlsx.headers['content-type'], /spreadsheetml/)
  t.equal(xlsx.rawPayload.subarray(0, 2).toString(), 'PK', 'a zip: the workbook')
})

t.test('the operator creates and revokes tokens from the workspace while the server runs', async (t) => {
  const w = await webWorld(t)
  const { app } = w
  const operator = await signIn(app, await w.token('operator'))
  const refused = await app.inject({
    method: 'POST',
    url: '/tokens',
    headers: { ...FORM, cookie: operator.cookie },
    payload: form({ role: 'payer', scope: '', label: 'no payer', _csrf: operator.csrf }),
  })
  t.equal(refused.statusCode, 400, 'a payer token needs its payer')
  const created = await app.inject({
    method: 'POST',
    url: '/tokens',
    headers: { ...FORM, cookie: operator.cookie },
    payload: form({ role: 'payer', scope: 'payer-1', label: 'бухгалтерия', _csrf: operator.csrf }),
  })
  t.equal(created.statusCode, 201)
  const token = /<code id="new-token">([^<]+)<\/code>/.exec(created.body)![1]!
  const api = () => app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10`, headers: { authorization: `Bearer ${token}` } })
  t.equal((await api()).statusCode, 200, 'the new token opens the API at once')
  const tokenId = /бухгалтерия <span class="muted"><code>([0-9a-f-]{36})<\/code>/.exec(created.body)![1]!
  const revoke = await app.inject({
    method: 'POST',
    url: `/tokens/${tokenId}/revoke`,
    headers: { ...FORM, cookie: operator.cookie },
    payload: form({ _csrf: operator.csrf }),
  })
  t.equal(revoke.statusCode, 303)
  t.equal((await api()).statusCode, 401, 'revoked: refused')
  const again = await app.inject({
    method: 'POST',
    url: `/tokens/${tokenId}/revoke`,
    headers: { ...FORM, cookie: operator.cookie },
    payload: form({ _csrf: operator.csrf }),
  })
  t.equal(again.statusCode, 303, 'revoking a revoked token changes nothing')
  const unknownPayer = await app.inject({
    method: 'POST',
    url: '/tokens',
    headers: { ...FORM, cookie: operator.cookie },
    payload: form({ role: 'payer', scope: 'payer-nowhere', label: '', _csrf: operator.csrf }),
  })
  t.equal(unknownPayer.statusCode, 422, 'no token for a payer the ledger does not know')
  t.match(unknownPayer.body, 'Организация не найдена в реестре.')
  const expiring = await app.inject({
    method: 'POST',
    url: '/tokens',
    headers: { ...FORM, cookie: operator.cookie },
    payload: form({ role: 'auditor', scope: '', label: 'ревизия', expires: '2099-01-01', _csrf: operator.csrf }),
  })
  t.equal(expiring.statusCode, 201)
  t.match(
    expiring.body,
    /ревизия <span class="muted"><code>[0-9a-f-]{36}<\/code><\/span><\/td><td>аудитор<\/td><td>—<\/td>\s*<td>[\d.]+<\/td><td>01\.01\.2099<\/td>/,
    'the list shows when it stops working',
  )
})

t.test('the invoice page names the payer once the registry knows it', async (t) => {
  const w = await webWorld(t)
  const { app, ledger, runner } = w
  const payer = await signIn(app, await w.token('payer', { payerId: 'payer-1' }))
  const closed = await app.inject({
    method: 'POST',
    url: `/months/${MUNICIPALITY}/2024-10/close`,
    headers: { ...FORM, cookie: payer.cookie },
    payload: form({ closedOn: '2024-11-01', confirm: 'yes', _csrf: payer.csrf }),
  })
  t.equal(closed.statusCode, 303)
  const url = `/invoices/final-${MUNICIPALITY}-payer-1-prov-1-2024-10`
  t.match((await app.inject({ url, headers: { cookie: payer.cookie } })).body, '<dt>Плательщик</dt><dd>payer-1</dd>', 'the id while the registry has no name')
  await registerPayer(ledger, ctx(), { payerId: 'payer-1', municipality: MUNICIPALITY, name: 'Управление образования Тамбовского района' })
  await runner.catchUp()
  t.match(
    (await app.inject({ url, headers: { cookie: payer.cookie } })).body,
    '<dt>Плательщик</dt><dd>Управление образования Тамбовского района</dd>',
    'the registered name once it is known',
  )
})
