import { daysInclusive, type IsoDate, type IsoMonth, lastDayOfMonth, minDate, monthOf, monthsTouched } from './dates.ts'
import { ceilMulDiv, floorMulDiv, type Kopecks } from './money.ts'

/** What a contract costs and how the certificate and the parent pay it, month by month (domain.md, exact). */
export interface Quote {
  /** D: days of the contract, both ends included. */
  days: number
  /** M: calendar months the contract touches. */
  months: number
  /** ceil(D × P / G): the full price of the contract. */
  all: Kopecks
  /** ceil(D × N / G): the normative cost of the contract. */
  normative: Kopecks
  /** min(all, normative, balance): paid from the certificate. */
  certificate: Kopecks
  /** all − certificate: the parent's co-payment. */
  parent: Kopecks
  certificateFirstMonth: Kopecks
  certificateOtherMonth: Kopecks
  parentFirstMonth: Kopecks
  parentOtherMonth: Kopecks
  start: IsoDate
  end: IsoDate
  /** Per month touched: what the certificate and the parent pay in it. */
  schedule: { month: IsoMonth; certificate: Kopecks; parent: Kopecks }[]
}

export interface QuoteInput {
  groupStart: IsoDate
  groupEnd: IsoDate
  start: IsoDate
  /** Default: the group's end. The contract never crosses a financing period: pass min(group end, period end). */
  end?: IsoDate
  price: Kopecks
  normative: Kopecks
  balance: Kopecks
}

export class QuoteInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'QuoteInputError'
  }
}

/** Splits an amount over the months: `other` each later month, the first month takes the rest. */
function splitMonthly(amount: Kopecks, days: number, firstMonthDays: number, months: number) {
  if (months === 1) return { first: amount, other: 0 }
  const other = floorMulDiv(days - firstMonthDays, amount, days * (months - 1))
  return { first: amount - other * (months - 1), other }
}

export function quoteContract(input: QuoteInput): Quote {
  const { groupStart, groupEnd, start, price, normative, balance } = input
  const end = input.end ?? groupEnd
  if (groupEnd < groupStart) throw new QuoteInputError('group_period_invalid', `the group ends (${groupEnd}) before it starts (${groupStart})`)
  if (start < groupStart || start > groupEnd) {
    throw new QuoteInputError('start_outside_group', `the start ${start} is outside the group period ${groupStart}..${groupEnd}`)
  }
  if (end < start || end > groupEnd) {
    throw new QuoteInputError('end_outside_group', `the end ${end} must be between the start ${start} and the group end ${groupEnd}`)
  }
  for (const [name, value] of [
    ['price', price],
    ['normative', normative],
    ['balance', balance],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new QuoteInputError('amount_invalid', `${name} must be a non-negative amount`)
  }
  const G = daysInclusive(groupStart, groupEnd)
  const D = daysInclusive(start, end)
  const touched = monthsTouched(start, end)
  const M = touched.length
  const d1 = daysInclusive(start, minDate(end, lastDayOfMonth(monthOf(start))))
  const all = ceilMulDiv(D, price, G)
  const ns = ceilMulDiv(D, normative, G)
  const cert = Math.min(all, ns, balance)
  const parent = all - cert
  const c = splitMonthly(cert, D, d1, M)
  const p = splitMonthly(parent, D, d1, M)
  return {
    days: D,
    months: M,
    all,
    normative: ns,
    certificate: cert,
    parent,
    certificateFirstMonth: c.first,
    certificateOtherMonth: c.other,
    parentFirstMonth: p.first,
    parentOtherMonth: p.other,
    start,
    end,
    schedule: touched.map((month, i) => ({
      month,
      certificate: i === 0 ? c.first : c.other,
      parent: i === 0 ? p.first : p.other,
    })),
  }
}
