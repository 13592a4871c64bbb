// How the workspace writes dates and money: ДД.ММ.ГГГГ, and `5 871,80 ₽` with a narrow no-break space between
// thousands — from integer kopecks (or the ledger's decimal strings), never through a float.

/** U+202F NARROW NO-BREAK SPACE: the thousands separator of Russian amounts. */
const THOUSANDS = '\u202F'

/** 2024-03-05 → 05.03.2024; anything else is returned as it is. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso)
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso
}

const MONTHS = ['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь']

/** 2024-03 → «март 2024». */
export function formatMonth(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month)
  return m ? `${MONTHS[Number(m[2]) - 1]} ${m[1]}` : month
}

/** Kopecks (an integer, a bigint or its decimal text) → `5 871,80 ₽`. */
export function formatKopecks(kopecks: number | bigint | string): string {
  const k = BigInt(kopecks)
  const sign = k < 0n ? '−' : ''
  const abs = k < 0n ? -k : k
  const rubles = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, THOUSANDS)
  return `${sign}${rubles},${(abs % 100n).toString().padStart(2, '0')}${'\u00A0'}₽`
}

/** A decimal string of roubles as the API writes it ("5871.80", "-0.5") → `5 871,80 ₽`. */
export function formatRoubles(decimal: string): string {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(decimal.trim())
  if (!m) return decimal
  const kopecks = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '0').padEnd(2, '0'))
  return formatKopecks(m[1] ? -kopecks : kopecks)
}

/** A form's amount in roubles ("5 871,80", "5871.8") → the API's decimal string "5871.80"; null when it is not one. */
export function parseRoubles(text: string): string | null {
  const m = /^(\d{1,12})(?:[.,](\d{1,2}))?$/.exec(text.replace(/[\s\u00A0\u202F]/g, ''))
  if (!m) return null
  return `${m[1]}.${(m[2] ?? '0').padEnd(2, '0')}`
}
