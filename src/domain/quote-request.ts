import { isValidDate } from './dates.ts'
import { AmountFormatError, formatAmount, parseAmount } from './money.ts'
import { type Quote, QuoteInputError, quoteContract } from './pricing.ts'

/** A quote request as people write it: dates YYYY-MM-DD and amounts "9000.00" (CLI flags, JSON lines, HTTP). */
export interface QuoteRequestText {
  groupStart?: unknown
  groupEnd?: unknown
  start?: unknown
  end?: unknown
  price?: unknown
  normative?: unknown
  balance?: unknown
}

const FIELDS = ['groupStart', 'groupEnd', 'start', 'end', 'price', 'normative', 'balance'] as const

/** Validates and computes; every problem is a QuoteInputError naming the field, never a wrong number. */
export function quoteFromText(request: QuoteRequestText): Quote {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new QuoteInputError('request_invalid', 'a quote request is a JSON object')
  }
  for (const key of Object.keys(request)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw new QuoteInputError('request_invalid', `unknown field ${key}`)
  }
  const date = (name: 'groupStart' | 'groupEnd' | 'start' | 'end', optional = false): string | undefined => {
    const value = request[name]
    if (value === undefined && optional) return undefined
    if (typeof value !== 'string' || !isValidDate(value)) {
      throw new QuoteInputError('date_invalid', `${name}: ${value === undefined ? 'missing' : `${JSON.stringify(value)} is not a date YYYY-MM-DD`}`)
    }
    return value
  }
  const amount = (name: 'price' | 'normative' | 'balance'): number => {
    const value = request[name]
    if (typeof value !== 'string')
      throw new QuoteInputError('amount_invalid', `${name}: ${value === undefined ? 'missing' : 'write the amount as a string, e.g. "7760.00"'}`)
    try {
      return parseAmount(value, name)
    } catch (error) {
      if (error instanceof AmountFormatError) throw new QuoteInputError('amount_invalid', error.message)
      throw error
    }
  }
  return quoteContract({
    groupStart: date('groupStart')!,
    groupEnd: date('groupEnd')!,
    start: date('start')!,
    end: date('end', true),
    price: amount('price'),
    normative: amount('normative'),
    balance: amount('balance'),
  })
}

/** The quote as the CLI and the API print it: amounts as decimal strings. */
export function quoteToText(q: Quote) {
  return {
    days: q.days,
    months: q.months,
    all: formatAmount(q.all),
    normative: formatAmount(q.normative),
    certificate: formatAmount(q.certificate),
    parent: formatAmount(q.parent),
    certificateFirstMonth: formatAmount(q.certificateFirstMonth),
    certificateOtherMonth: formatAmount(q.certificateOtherMonth),
    parentFirstMonth: formatAmount(q.parentFirstMonth),
    parentOtherMonth: formatAmount(q.parentOtherMonth),
  }
}
