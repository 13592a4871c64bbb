import type { Role } from '../auth/tokens.ts'
import { html, type SafeHtml } from './html.ts'
import type { WebSession } from './sessions.ts'

// The frame of every page: Russian, one <main>, a skip link, a navigation of what the role may open, and the
// sign-out form. Plain HTML and a little CSS that fits 1366×768; no script is needed for anything.

const ROLE_NAMES: Record<Role, string> = {
  operator: 'оператор реестра',
  payer: 'плательщик',
  provider: 'поставщик',
  auditor: 'аудитор',
  reporting: 'ресурсный центр (отчётность)',
}

/** The workspace's pages and who may open each (the same roles as the API routes they show). */
export const PAGES = {
  months: { path: '/months', title: 'Месяцы', roles: ['payer', 'operator', 'auditor'] },
  reconciliation: { path: '/reconciliation', title: 'Сверка', roles: ['payer', 'auditor', 'reporting', 'operator'] },
  invoices: { path: '/invoices', title: 'Счета', roles: ['payer', 'provider', 'auditor', 'operator'] },
  certificates: { path: '/certificates', title: 'Сертификаты', roles: ['operator', 'payer', 'auditor'] },
  coverage: { path: '/coverage', title: 'Охват', roles: ['reporting', 'operator', 'payer', 'auditor'] },
  providers: { path: '/providers', title: 'Поставщики', roles: ['payer', 'operator'] },
  bankStatement: { path: '/bank-statement', title: 'Выписка банка', roles: ['payer'] },
  audit: { path: '/audit', title: 'Аудит', roles: ['auditor'] },
  tokens: { path: '/tokens', title: 'Токены', roles: ['operator'] },
} as const satisfies Record<string, { path: string; title: string; roles: readonly Role[] }>

const NAV: (keyof typeof PAGES)[] = ['months', 'reconciliation', 'certificates', 'coverage', 'providers', 'bankStatement', 'audit', 'tokens']

const STYLE = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#17365d;color:#fff;padding:.5rem 1.25rem;display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}
header nav ul{list-style:none;display:flex;gap:1rem;margin:0;padding:0}
header form{margin-left:auto;display:flex;gap:.75rem;align-items:center}
main{max-width:1320px;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;background:#fff;width:100%;margin:.5rem 0 1rem}
th,td{border:1px solid #d5d9e0;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#e9edf3}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
thead th.num{white-space:normal}
table{font-size:.93em}
caption{text-align:left;font-weight:600;padding:.25rem 0}
form.inline{display:inline}
fieldset{border:1px solid #d5d9e0;background:#fff;margin:1rem 0;padding:.75rem 1rem}
label{display:inline-block;margin:.25rem 1rem .25rem 0}
input,select,button,textarea{font:inherit;padding:.3rem .5rem}
button{background:#17365d;color:#fff;border:0;border-radius:3px;cursor:pointer}
button.secondary{background:#fff;color:#17365d;border:1px solid #17365d}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;color:#000;padding:.25rem .5rem}
.notice{background:#fff8e1;border-left:4px solid #f0a500;padding:.5rem 1rem;margin:.5rem 0}
.error{background:#fdecea;border-left:4px solid #c62828;padding:.5rem 1rem;margin:.5rem 0}
.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:.5rem 1rem;margin:.5rem 0}
.muted{color:#5b6470;font-size:.9em}
code{font-size:.9em;word-break:break-all}
pre{white-space:pre-wrap;word-break:break-all;max-width:48ch;margin:0;font-size:.85em}
`

export interface PageInput {
  title: string
  session: WebSession | null
  body: SafeHtml
}

export function page({ title, session, body }: PageInput): string {
  const role = session?.caller.role
  // A provider's one page is its invoices; the others reach invoices through the months and the reconciliation.
  const nav = role === 'provider' ? (['invoices'] as const) : role ? NAV.filter((k) => (PAGES[k].roles as readonly Role[]).includes(role)) : []
  return html`<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — реестр ПФДО</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">К содержанию</a>
<header>
<a href="/"><strong>Реестр ПФДО</strong></a>
${
  session
    ? html`<nav aria-label="Разделы"><ul>${nav.map((k) => html`<li><a href="${PAGES[k].path}">${PAGES[k].title}</a></li>`)}</ul></nav>
<form method="post" action="/sign-out"><span>${ROLE_NAMES[session.caller.role]}${session.caller.label ? html` · ${session.caller.label}` : ''}</span>
<input type="hidden" name="_csrf" value="${session.csrfToken}"><button type="submit" class="secondary">Выйти</button></form>`
    : ''
}
</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.text
}

/** The hidden field every form that changes something carries. */
export const csrfField = (session: WebSession) => html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`
