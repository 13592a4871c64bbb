import type { IsoDate } from '../domain/dates.ts'
import { isValidDate } from '../domain/dates.ts'
import { DomainError } from '../domain/errors.ts'
import { AmountFormatError, parseAmount } from '../domain/money.ts'
import { unstorableText } from '../domain/text.ts'
import { type Application, systemMetadata } from './context.ts'
import { sha256, uuidFromName } from './ids.ts'
import { recordPayment } from './payments.ts'

// The 1CClientBankExchange text format: how Russian accounting software and banks exchange payment orders.
// windows-1251 (Кодировка=Windows), cp866 (Кодировка=DOS) or UTF-8; `key=value` lines; each document between
// `СекцияДокумент=…` and `КонецДокумента`.

export interface PaymentOrder {
  /** The line of the file where the document starts. */
  line: number
  number: string
  date: string
  amount: number
  payerAccount: string
  purpose: string
}

export class StatementFormatError extends Error {
  override name = 'StatementFormatError'
}

/** UTF-8 if the bytes are valid UTF-8; otherwise windows-1251, or cp866 when the header says Кодировка=DOS. */
export function decodeStatement(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '')
  } catch {
    const cp1251 = new TextDecoder('windows-1251').decode(bytes)
    if (/Кодировка=Windows/i.test(cp1251)) return cp1251
    const cp866 = new TextDecoder('ibm866').decode(bytes)
    return /Кодировка=DOS/i.test(cp866) ? cp866 : cp1251
  }
}

/** The payment orders of a statement; refuses a file that is not 1CClientBankExchange or a malformed document. */
export function parseStatement(text: string): PaymentOrder[] {
  const lines = text.split(/\r?\n/)
  if (lines[0]?.trim() !== '1CClientBankExchange')
    throw new StatementFormatError('not a 1CClientBankExchange file: its first line must be 1CClientBankExchange')
  const orders: PaymentOrder[] = []
  let current: Record<string, string> | null = null
  let start = 0
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line.startsWith('СекцияДокумент=')) {
      current = {}
      start = i + 1
      return
    }
    if (line === 'КонецДокумента') {
      if (!current) throw new StatementFormatError(`line ${i + 1}: КонецДокумента without СекцияДокумент`)
      orders.push(order(current, start))
      current = null
      return
    }
    if (current) {
      const eq = line.indexOf('=')
      if (eq > 0) {
        // A document's fields may be recorded: text the database cannot store (a NUL) refuses the file.
        const reason = unstorableText(line)
        const key = line.slice(0, eq)
        if (reason) throw new StatementFormatError(`line ${i + 1}: ${unstorableText(key) ? JSON.stringify(key) : key} ${reason}`)
        current[line.slice(0, eq)] = line.slice(eq + 1)
      }
    }
  })
  if (current) throw new StatementFormatError(`line ${start}: a document without КонецДокумента`)
  return orders
}

function order(fields: Record<string, string>, line: number): PaymentOrder {
  const need = (key: string) => {
    const v = fields[key]
    if (v === undefined || v === '') throw new StatementFormatError(`line ${line}: the document lacks ${key}`)
    return v
  }
  const [d, m, y] = need('Дата').split('.')
  const date = `${y}-${m}-${d}`
  if (!isValidDate(date)) throw new StatementFormatError(`line ${line}: Дата=${fields.Дата} is not a date DD.MM.YYYY`)
  const sum = need('Сумма').replace(',', '.')
  let amount: number
  try {
    amount = parseAmount(/\.\d{2}$/.test(sum) ? sum : /\.\d$/.test(sum) ? `${sum}0` : `${sum}.00`)
  } catch (error) {
    if (error instanceof AmountFormatError) throw new StatementFormatError(`line ${line}: Сумма=${fields.Сумма} is not an amount`)
    throw error
  }
  return { line, number: need('Номер'), date, amount, payerAccount: fields.ПлательщикСчет ?? '', purpose: fields.НазначениеПлатежа ?? '' }
}

/** Invoice numbers written in a payment's purpose (see `invoiceNumber`). */
export function invoiceNumbersIn(purpose: string): string[] {
  return [...purpose.matchAll(/\b([FA]-\d{4}-\d{2}-[0-9A-Za-z._-]+)/g)].map((m) => m[1]!.replace(/[.-]+$/, ''))
}

export interface StatementReport {
  orders: number
  recorded: number
  alreadyRecorded: number
  unmatched: { line: number; number: string; date: string; amount: number; purpose: string; reason: string }[]
}

/**
 * Records the statement's payment orders against the invoices their purposes name, each exactly once: the
 * payment id is derived from the order itself (number, date, amount, payer account), so importing the same
 * statement again records nothing new. Orders naming no known invoice, or refused (an overpayment), are listed.
 */
export async function importStatement(
  app: Application,
  text: string,
  source: string,
  findInvoice: (number: string) => Promise<string | null>,
  /** Today in the ledger's time zone: an order dated later is not recorded (the edge reads the clock, not the ledger). */
  today: IsoDate | null = null,
): Promise<StatementReport> {
  const orders = parseStatement(text)
  const report: StatementReport = { orders: orders.length, recorded: 0, alreadyRecorded: 0, unmatched: [] }
  for (const o of orders) {
    const numbers = invoiceNumbersIn(o.purpose)
    const found = (await Promise.all(numbers.map(findInvoice))).filter((x): x is string => x !== null)
    const miss = (reason: string) => report.unmatched.push({ line: o.line, number: o.number, date: o.date, amount: o.amount, purpose: o.purpose, reason })
    if (found.length !== 1) {
      miss(found.length === 0 ? 'no invoice number of the ledger in the purpose' : 'the purpose names several invoices')
      continue
    }
    if (today !== null && o.date > today) {
      miss(`date_in_future: the order is dated ${o.date}, after today (${today})`)
      continue
    }
    const paymentId = uuidFromName(`bank:${o.number}:${o.date}:${o.amount}:${o.payerAccount}`)
    try {
      const r = await recordPayment(
        app,
        { metadata: systemMetadata(`bank statement ${source}`, `statement:${sha256(text).slice(0, 16)}`) },
        {
          invoiceId: found[0]!,
          amount: o.amount,
          paidOn: o.date,
          paymentOrder: o.number,
          paymentId,
        },
      )
      if (r.newPayment) report.recorded++
      else report.alreadyRecorded++
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      miss(`${error.code}: ${error.message}`)
    }
  }
  return report
}
