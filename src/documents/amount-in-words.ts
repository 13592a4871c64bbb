import type { Kopecks } from '../domain/money.ts'

// Сумма прописью: the amount a Russian payment document repeats in words, roubles in words and kopecks in figures
// («Пять тысяч восемьсот семьдесят один рубль 80 копеек»). Thousands are feminine (одна тысяча, две тысячи); roubles,
// millions and billions masculine (один рубль, два миллиона).

type Gender = 'masculine' | 'feminine'

const UNITS: Record<Gender, string[]> = {
  masculine: ['', 'один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять'],
  feminine: ['', 'одна', 'две', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять'],
}
const TEENS = ['десять', 'одиннадцать', 'двенадцать', 'тринадцать', 'четырнадцать', 'пятнадцать', 'шестнадцать', 'семнадцать', 'восемнадцать', 'девятнадцать']
const TENS = ['', '', 'двадцать', 'тридцать', 'сорок', 'пятьдесят', 'шестьдесят', 'семьдесят', 'восемьдесят', 'девяносто']
const HUNDREDS = ['', 'сто', 'двести', 'триста', 'четыреста', 'пятьсот', 'шестьсот', 'семьсот', 'восемьсот', 'девятьсот']

/** A noun's forms after 1 (рубль), after 2–4 (рубля) and after 5–20 or 0 (рублей); its gender decides один/одна. */
interface Noun {
  forms: [one: string, few: string, many: string]
  gender: Gender
}

const ROUBLE: Noun = { forms: ['рубль', 'рубля', 'рублей'], gender: 'masculine' }
const KOPECK: Noun = { forms: ['копейка', 'копейки', 'копеек'], gender: 'feminine' }
/** Thousands, millions, billions: the groups of three digits above the roubles' own. */
const SCALES: Noun[] = [
  { forms: ['тысяча', 'тысячи', 'тысяч'], gender: 'feminine' },
  { forms: ['миллион', 'миллиона', 'миллионов'], gender: 'masculine' },
  { forms: ['миллиард', 'миллиарда', 'миллиардов'], gender: 'masculine' },
]

/** The noun's form after the number n: 1, 21, 101 → one; 2–4, 22–24 → few; 0, 5–20, 111–114 → many. */
function pluralForm(n: number, noun: Noun): string {
  const lastTwo = n % 100
  const last = n % 10
  if (lastTwo >= 11 && lastTwo <= 14) return noun.forms[2]
  if (last === 1) return noun.forms[0]
  if (last >= 2 && last <= 4) return noun.forms[1]
  return noun.forms[2]
}

/** 0–999 in words of the gender given; '' for 0. */
function triad(n: number, gender: Gender): string {
  const words = [HUNDREDS[Math.trunc(n / 100)]!]
  const rest = n % 100
  if (rest >= 10 && rest < 20) words.push(TEENS[rest - 10]!)
  else words.push(TENS[Math.trunc(rest / 10)]!, UNITS[gender][rest % 10]!)
  return words.filter(Boolean).join(' ')
}

/** Below a thousand billion roubles: more than any budget this ledger keeps. */
const LIMIT_ROUBLES = 1_000_000_000_000

/** Whole roubles in words with the word «рубль» in its right form: 0 → «ноль рублей», 21 000 → «двадцать одна тысяча рублей». */
function roublesInWords(roubles: number): string {
  if (!Number.isSafeInteger(roubles) || roubles < 0 || roubles >= LIMIT_ROUBLES) throw new RangeError(`${roubles} roubles cannot be written in words`)
  if (roubles === 0) return `ноль ${ROUBLE.forms[2]}`
  const words: string[] = []
  let rest = roubles
  const groups: number[] = []
  while (rest > 0) {
    groups.push(rest % 1000)
    rest = Math.trunc(rest / 1000)
  }
  for (let i = groups.length - 1; i >= 1; i--) {
    const g = groups[i]!
    if (g === 0) continue
    const scale = SCALES[i - 1]!
    words.push(triad(g, scale.gender), pluralForm(g, scale))
  }
  const units = groups[0]!
  if (units > 0) words.push(triad(units, ROUBLE.gender))
  words.push(pluralForm(units, ROUBLE))
  return words.join(' ')
}

/**
 * An amount of kopecks as a payment document writes it: roubles in words, capitalised, then the kopecks in two
 * figures with the word in its form: 587180 → «Пять тысяч восемьсот семьдесят один рубль 80 копеек». A negative
 * amount (a provider owing an advance back) starts with «Минус».
 */
export function amountInWords(kopecks: Kopecks): string {
  if (!Number.isSafeInteger(kopecks)) throw new RangeError(`${kopecks} is not a whole number of kopecks`)
  const abs = Math.abs(kopecks)
  const k = abs % 100
  const text = `${kopecks < 0 ? 'минус ' : ''}${roublesInWords(Math.trunc(abs / 100))} ${String(k).padStart(2, '0')} ${pluralForm(k, KOPECK)}`
  return text.charAt(0).toUpperCase() + text.slice(1)
}
