import { z } from 'zod'
import { CERTIFICATE_TYPES, DIRECTIONS, PROGRAMME_KINDS } from '../../events/index.ts'
import { dateFormatHint, isValidDate } from '../domain/dates.ts'
import { formatAmount, parseAmount } from '../domain/money.ts'

// The values the ledger takes from outside — over HTTP, from CSV registries, from bank statements — checked once,
// here, for what is plausible and what the database can store: amounts are decimal strings with two decimals,
// dates YYYY-MM-DD within the ledger's years, counts bounded. The API's schemas and the imports use these.

export const amount = z
  .string()
  .regex(/^(0|[1-9]\d{0,12})\.\d{2}$/, 'an amount is roubles with exactly two decimals, e.g. "7760.00"')
  .transform((s) => parseAmount(s))
  .describe('roubles with two decimals, e.g. "7760.00"')

export const amountOut = z.string().describe('roubles with two decimals')
export const money = (kopecks: number) => formatAmount(kopecks)

/**
 * What a request may carry, beyond which a value is a typo or an attack rather than a fact of supplementary
 * education. Checked here, at the edge, once for every route; the event schemas stay as wide as the logs already
 * written need, and the projections store whatever they accept.
 */
export const LIMITS = {
  /** Business dates: the ledger's history begins after 2000 and plans no further than 2100. */
  firstDate: '2000-01-01',
  lastDate: '2100-12-31',
  /** Birth dates: a child 5–17 years old on an issue date from 2000 on was born after 1980. */
  firstBirthDate: '1980-01-01',
  /** Lessons of one contract in one month: at most a few dozen (two a day); 100 is generous. */
  lessonsPerMonth: 100,
  /** Places of one group. */
  groupCapacity: 1000,
  /** Financing certificates of one municipality's period, children of one municipality (Moscow has about 2 million). */
  financingCap: 10_000_000,
  children: 50_000_000,
} as const

const calendarDate = (first: string, last: string, what: string) =>
  z
    .string()
    .refine(isValidDate, { error: (issue) => `a date is YYYY-MM-DD and must exist in the calendar${dateFormatHint(String(issue.input))}` })
    .refine((d) => d >= first && d <= last, `${what} lies between ${first} and ${last}`)
    .describe('YYYY-MM-DD')

/** A business date (issued on, paid on, …), from 2000 to 2100. */
export const date = calendarDate(LIMITS.firstDate, LIMITS.lastDate, 'a business date')
/** A child's birth date. */
export const birthDate = calendarDate(LIMITS.firstBirthDate, LIMITS.lastDate, 'a birth date')
export const month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is YYYY-MM')
  .refine(
    (m) => m >= LIMITS.firstDate.slice(0, 7) && m <= LIMITS.lastDate.slice(0, 7),
    `a month lies between ${LIMITS.firstDate.slice(0, 7)} and ${LIMITS.lastDate.slice(0, 7)}`,
  )
  .describe('YYYY-MM')
/** A percentage from 0 to 100 with at most two decimals ("87.5"): a completeness; `basisPoints` reads it exactly. */
export const percentage = z
  .string()
  .regex(/^(100(\.0{1,2})?|\d{1,2}(\.\d{1,2})?)$/, 'a percentage from 0 to 100 with at most two decimals')
  .describe('a percentage, e.g. 87.5')
/** "87.5" → 8750 basis points, exactly (no float on the way). */
export function basisPoints(text: string): number {
  const [whole, fraction = ''] = text.split('.')
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'))
}
/** A whole number from 0 to `max`: counts of lessons, places, children. */
export const count = (max: number) => z.number().int().min(0).max(max)
export const id = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/, 'an id has 1–64 letters, digits, dots, dashes or underscores')
export const certificateNumber = z.string().regex(/^[0-9A-Za-z]{10}$/, 'a certificate number has exactly 10 letters or digits')
export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID')
export const certificateType = z.enum(CERTIFICATE_TYPES)
export const direction = z.enum(DIRECTIONS)
export const programmeKind = z.enum(PROGRAMME_KINDS)

/**
 * An organisation's requisites at the edge: each a bounded string; their checksums and shapes are checked by the
 * registry's commands (a bad ИНН is a 422 naming `requisites.inn`, not a schema error).
 */
const requisiteValue = z.string().max(1000)
export const requisitesInput = z.strictObject({
  fullName: requisiteValue.optional().describe('Полное наименование'),
  shortName: requisiteValue.optional().describe('Сокращённое наименование'),
  inn: requisiteValue.optional().describe('ИНН: 10 digits (an organisation) or 12 (an individual entrepreneur), control digits checked'),
  kpp: requisiteValue.optional().describe('КПП: 4 digits, 2 digits or capital Latin letters, 3 digits; none for a 12-digit ИНН'),
  ogrn: requisiteValue.optional().describe('ОГРН (13 digits) or ОГРНИП (15), control digit checked'),
  legalAddress: requisiteValue.optional().describe('Юридический адрес'),
  settlementAccount: requisiteValue.optional().describe('Расчётный счёт: 20 digits, checked against the БИК'),
  bankName: requisiteValue.optional().describe('Банк'),
  bik: requisiteValue.optional().describe('БИК: 9 digits'),
  correspondentAccount: requisiteValue.optional().describe('Корреспондентский счёт: 20 digits, checked against the БИК'),
  headName: requisiteValue.optional().describe("The head's name, for signatures"),
  headTitle: requisiteValue.optional().describe("The head's title, for signatures"),
})
/** A change of requisites: the fields to set; null removes one (a КПП when an organisation becomes an entrepreneur's). */
export const requisitesPatch = z.strictObject(
  Object.fromEntries(Object.entries(requisitesInput.shape).map(([k, s]) => [k, s.unwrap().nullable().optional()])) as {
    [K in keyof typeof requisitesInput.shape]: z.ZodOptional<z.ZodNullable<z.ZodString>>
  },
)
