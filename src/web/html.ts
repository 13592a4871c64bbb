// A small tagged template for server-rendered pages: every interpolated value is escaped unless it is already
// markup made by `html` (or `raw`), so text from the ledger (names, reasons, ids) can never become markup.

/** Markup that is safe to put into a page as it is. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString() {
    return this.text
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

type Value = SafeHtml | string | number | bigint | boolean | null | undefined | readonly Value[]

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof SafeHtml) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!
  })
  return new SafeHtml(out)
}

/** Markup written by the workspace itself (an SVG built from numbers), never text from outside. */
export const raw = (text: string) => new SafeHtml(text)
