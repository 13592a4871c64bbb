import type { Requisites } from './organisation.ts'

// Checksums of Russian requisites, as the Federal Tax Service and the Bank of Russia define them. A typo in a
// requisite sends a payment to the wrong account or gets a document refused by the bank: each number carries a
// control digit precisely so that a single wrong digit is caught at entry.

const digits = (s: string) => Array.from(s, Number)
const weighted = (ds: readonly number[], weights: readonly number[]) => ds.reduce((sum, d, i) => sum + d * weights[i]!, 0)

const INN10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8]
const INN12_WEIGHTS_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
const INN12_WEIGHTS_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]

/** The control digits an ИНН of the given first digits (9 for an organisation, 10 for a person) ends with. */
export function innControlDigits(first: string): string {
  const ds = digits(first)
  if (ds.length === 9) return String((weighted(ds, INN10_WEIGHTS) % 11) % 10)
  if (ds.length === 10) {
    const c11 = (weighted(ds, INN12_WEIGHTS_11) % 11) % 10
    const c12 = (weighted([...ds, c11], INN12_WEIGHTS_12) % 11) % 10
    return `${c11}${c12}`
  }
  throw new RangeError('an ИНН has 9 or 10 digits before its control digits')
}

/** ИНН: 10 digits with one control digit (an organisation) or 12 with two (an individual entrepreneur). */
export function isValidInn(inn: string): boolean {
  if (!/^(\d{10}|\d{12})$/.test(inn)) return false
  const body = inn.length === 10 ? inn.slice(0, 9) : inn.slice(0, 10)
  return inn === body + innControlDigits(body)
}

/** The control digit of an ОГРН (12 digits before it) or an ОГРНИП (14): the number mod 11 (13), mod 10. */
export function ogrnControlDigit(first: string): string {
  if (!/^(\d{12}|\d{14})$/.test(first)) throw new RangeError('an ОГРН has 12 digits, an ОГРНИП 14, before the control digit')
  const modulus = first.length === 12 ? 11n : 13n
  return String((BigInt(first) % modulus) % 10n)
}

/** ОГРН (13 digits) or ОГРНИП (15 digits) with its control digit. */
export function isValidOgrn(ogrn: string): boolean {
  if (!/^(\d{13}|\d{15})$/.test(ogrn)) return false
  return ogrn.at(-1) === ogrnControlDigit(ogrn.slice(0, -1))
}

/** КПП: 4 digits (the tax office), 2 digits or capital Latin letters (the reason), 3 digits (the number). */
export const isValidKpp = (kpp: string): boolean => /^\d{4}[\dA-Z]{2}\d{3}$/.test(kpp)

/** БИК: 9 digits. */
export const isValidBik = (bik: string): boolean => /^\d{9}$/.test(bik)

const ACCOUNT_WEIGHTS = Array.from({ length: 23 }, (_, i) => [7, 1, 3][i % 3]!)
/** The 20-digit account's control key is its 9th digit. */
const KEY_INDEX = 8

const accountChecks = (prefix: string, account: string) => weighted(digits(prefix + account), ACCOUNT_WEIGHTS) % 10 === 0

/** What a settlement account is checked with: the last three digits of the bank's БИК. */
const settlementPrefix = (bik: string) => bik.slice(6, 9)
/** What a correspondent account is checked with: "0" and the 5th and 6th digits of the БИК. */
const correspondentPrefix = (bik: string) => `0${bik.slice(4, 6)}`

/** A settlement account (расчётный счёт): 20 digits whose control key agrees with the bank's БИК. */
export function isValidSettlementAccount(account: string, bik: string): boolean {
  return /^\d{20}$/.test(account) && isValidBik(bik) && accountChecks(settlementPrefix(bik), account)
}

/** A correspondent account (корреспондентский счёт): 20 digits whose control key agrees with the bank's БИК. */
export function isValidCorrespondentAccount(account: string, bik: string): boolean {
  return /^\d{20}$/.test(account) && isValidBik(bik) && accountChecks(correspondentPrefix(bik), account)
}

function withKey(prefix: string, account: string): string {
  if (!/^\d{20}$/.test(account)) throw new RangeError('an account has 20 digits')
  for (let key = 0; key <= 9; key++) {
    const candidate = `${account.slice(0, KEY_INDEX)}${key}${account.slice(KEY_INDEX + 1)}`
    if (accountChecks(prefix, candidate)) return candidate
  }
  throw new Error('unreachable: the key digit has weight 3, which is invertible mod 10')
}

/** The settlement account with its control key (the 9th digit) set to agree with the БИК. */
export const withSettlementKey = (account: string, bik: string) => withKey(settlementPrefix(bik), account)
/** The correspondent account with its control key set to agree with the БИК. */
export const withCorrespondentKey = (account: string, bik: string) => withKey(correspondentPrefix(bik), account)

/** A requisite that is not valid, and why: the field is named as the API names it. */
export interface RequisiteProblem {
  field: keyof Requisites
  message: string
}

/** The longest text of a requisite: a full name with its legal form, an address with every part of it. */
const MAX_REQUISITE_TEXT = 1000

const TEXT_FIELDS = ['fullName', 'shortName', 'legalAddress', 'bankName', 'headName', 'headTitle'] as const

/**
 * Every problem of a set of requisites: each given value checked on its own (its checksum, its shape), then against
 * the others (the accounts against the БИК, ОГРН's length against ИНН's, a КПП only for an organisation).
 */
export function requisitesProblems(r: Partial<Requisites>): RequisiteProblem[] {
  const problems: RequisiteProblem[] = []
  const problem = (field: keyof Requisites, message: string) => problems.push({ field, message })
  for (const field of TEXT_FIELDS) {
    const value = r[field]
    if (value !== undefined && (value.trim() === '' || value.length > MAX_REQUISITE_TEXT))
      problem(field, `${field} must be 1 to ${MAX_REQUISITE_TEXT} characters, not blank`)
  }
  if (r.inn !== undefined && !isValidInn(r.inn)) problem('inn', 'ИНН must be 10 or 12 digits whose control digits agree')
  if (r.kpp !== undefined && !isValidKpp(r.kpp)) problem('kpp', 'КПП must be 9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits')
  if (r.ogrn !== undefined && !isValidOgrn(r.ogrn)) problem('ogrn', 'ОГРН must be 13 digits (ОГРНИП 15) whose control digit agrees')
  if (r.bik !== undefined && !isValidBik(r.bik)) problem('bik', 'БИК must be 9 digits')
  const bikOk = r.bik !== undefined && isValidBik(r.bik)
  if (r.settlementAccount !== undefined) {
    if (!/^\d{20}$/.test(r.settlementAccount)) problem('settlementAccount', 'the settlement account must be 20 digits')
    else if (bikOk && !isValidSettlementAccount(r.settlementAccount, r.bik!))
      problem('settlementAccount', 'the settlement account does not agree with the БИК (its control key is wrong)')
  }
  if (r.correspondentAccount !== undefined) {
    if (!/^\d{20}$/.test(r.correspondentAccount)) problem('correspondentAccount', 'the correspondent account must be 20 digits')
    else if (bikOk && !isValidCorrespondentAccount(r.correspondentAccount, r.bik!))
      problem('correspondentAccount', 'the correspondent account does not agree with the БИК (its control key is wrong)')
  }
  crossChecks(r, problems)
  return problems
}

function crossChecks(r: Partial<Requisites>, problems: RequisiteProblem[]) {
  const innOk = r.inn !== undefined && isValidInn(r.inn)
  if (innOk && r.inn!.length === 12 && r.kpp !== undefined) problems.push({ field: 'kpp', message: 'an individual entrepreneur (12-digit ИНН) has no КПП' })
  if (innOk && r.ogrn !== undefined && isValidOgrn(r.ogrn) && (r.inn!.length === 10) !== (r.ogrn.length === 13))
    problems.push({ field: 'ogrn', message: 'an organisation (10-digit ИНН) has a 13-digit ОГРН, an individual entrepreneur (12-digit ИНН) a 15-digit ОГРНИП' })
}
