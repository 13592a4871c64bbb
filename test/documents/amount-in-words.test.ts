import fc from 'fast-check'
import t from 'tap'
import { amountInWords } from '../../src/documents/amount-in-words.ts'

// Written by hand from Russian grammar, not from the code's output.
const CASES: [number, string][] = [
  [0, 'Ноль рублей 00 копеек'],
  [1, 'Ноль рублей 01 копейка'],
  [2, 'Ноль рублей 02 копейки'],
  [11, 'Ноль рублей 11 копеек'],
  [21, 'Ноль рублей 21 копейка'],
  [100, 'Один рубль 00 копеек'],
  [200, 'Два рубля 00 копеек'],
  [500, 'Пять рублей 00 копеек'],
  [1100, 'Одиннадцать рублей 00 копеек'],
  [1200, 'Двенадцать рублей 00 копеек'],
  [1400, 'Четырнадцать рублей 00 копеек'],
  [2100, 'Двадцать один рубль 00 копеек'],
  [2200, 'Двадцать два рубля 00 копеек'],
  [10100, 'Сто один рубль 00 копеек'],
  [11100, 'Сто одиннадцать рублей 00 копеек'],
  [11200, 'Сто двенадцать рублей 00 копеек'],
  [100000, 'Одна тысяча рублей 00 копеек'],
  [200000, 'Две тысячи рублей 00 копеек'],
  [500000, 'Пять тысяч рублей 00 копеек'],
  [1100000, 'Одиннадцать тысяч рублей 00 копеек'],
  [2100000, 'Двадцать одна тысяча рублей 00 копеек'],
  [2200000, 'Двадцать две тысячи рублей 00 копеек'],
  [587180, 'Пять тысяч восемьсот семьдесят один рубль 80 копеек'],
  [39236, 'Триста девяносто два рубля 36 копеек'],
  [100000000, 'Один миллион рублей 00 копеек'],
  [200000000, 'Два миллиона рублей 00 копеек'],
  [500000000, 'Пять миллионов рублей 00 копеек'],
  [100100100, 'Один миллион одна тысяча один рубль 00 копеек'],
  [100000100, 'Один миллион один рубль 00 копеек'],
  [1100000000, 'Одиннадцать миллионов рублей 00 копеек'],
  [100000000000, 'Один миллиард рублей 00 копеек'],
  [212345678999, 'Два миллиарда сто двадцать три миллиона четыреста пятьдесят шесть тысяч семьсот восемьдесят девять рублей 99 копеек'],
  [
    99999999999999,
    'Девятьсот девяносто девять миллиардов девятьсот девяносто девять миллионов девятьсот девяносто девять тысяч девятьсот девяносто девять рублей 99 копеек',
  ],
  [-587180, 'Минус пять тысяч восемьсот семьдесят один рубль 80 копеек'],
]

t.test('amounts written by hand', async (t) => {
  for (const [kopecks, words] of CASES) t.equal(amountInWords(kopecks), words, String(kopecks))
})

t.test('beyond billions and fractions of a kopeck are refused', async (t) => {
  t.throws(() => amountInWords(100_000_000_000_000), RangeError)
  t.throws(() => amountInWords(1.5), RangeError)
})

// An independent reader of сумма прописью: sums the number words, multiplies by the scale nouns, and checks that
// each noun agrees in number and gender with the figure before it (одна тысяча, два рубля, пять рублей).
const VALUES: Record<string, number> = {
  ноль: 0,
  один: 1,
  одна: 1,
  два: 2,
  две: 2,
  три: 3,
  четыре: 4,
  пять: 5,
  шесть: 6,
  семь: 7,
  восемь: 8,
  девять: 9,
  десять: 10,
  одиннадцать: 11,
  двенадцать: 12,
  тринадцать: 13,
  четырнадцать: 14,
  пятнадцать: 15,
  шестнадцать: 16,
  семнадцать: 17,
  восемнадцать: 18,
  девятнадцать: 19,
  двадцать: 20,
  тридцать: 30,
  сорок: 40,
  пятьдесят: 50,
  шестьдесят: 60,
  семьдесят: 70,
  восемьдесят: 80,
  девяносто: 90,
  сто: 100,
  двести: 200,
  триста: 300,
  четыреста: 400,
  пятьсот: 500,
  шестьсот: 600,
  семьсот: 700,
  восемьсот: 800,
  девятьсот: 900,
}
const NOUNS: Record<string, { scale: number; feminine: boolean; form: 'one' | 'few' | 'many' }> = {}
for (const [scale, feminine, one, few, many] of [
  [1, false, 'рубль', 'рубля', 'рублей'],
  [1000, true, 'тысяча', 'тысячи', 'тысяч'],
  [1e6, false, 'миллион', 'миллиона', 'миллионов'],
  [1e9, false, 'миллиард', 'миллиарда', 'миллиардов'],
] as const) {
  NOUNS[one] = { scale, feminine, form: 'one' }
  NOUNS[few] = { scale, feminine, form: 'few' }
  NOUNS[many] = { scale, feminine, form: 'many' }
}
const expectedForm = (n: number) => {
  if (n % 100 >= 11 && n % 100 <= 14) return 'many'
  if (n % 10 === 1) return 'one'
  return n % 10 >= 2 && n % 10 <= 4 ? 'few' : 'many'
}

function parse(text: string): number {
  const words = text.toLowerCase().split(' ')
  const sign = words[0] === 'минус' ? -1 : 1
  if (sign < 0) words.shift()
  let total = 0
  let group = 0
  let groupWords: string[] = []
  let lastScale = Infinity
  for (;;) {
    const word = words.shift()
    if (word === undefined) throw new Error(`no roubles in ${text}`)
    if (word in VALUES) {
      group += VALUES[word]!
      groupWords.push(word)
      continue
    }
    const noun = NOUNS[word]
    if (!noun) throw new Error(`unknown word ${word}`)
    if (noun.scale >= lastScale) throw new Error(`scales out of order in ${text}`)
    if (noun.form !== expectedForm(group)) throw new Error(`${word} after ${group}`)
    if (groupWords.some((w) => ['одна', 'две'].includes(w)) && !noun.feminine) throw new Error(`feminine number before ${word}`)
    if (groupWords.some((w) => ['один', 'два'].includes(w)) && noun.feminine) throw new Error(`masculine number before ${word}`)
    total += group * noun.scale
    lastScale = noun.scale
    group = 0
    groupWords = []
    if (noun.scale === 1) break
  }
  const [figures, kopeckWord] = words
  if (!/^\d\d$/.test(figures ?? '') || words.length !== 2) throw new Error(`kopecks in ${text}`)
  const k = Number(figures)
  const kopeckForms = { one: 'копейка', few: 'копейки', many: 'копеек' }
  if (kopeckWord !== kopeckForms[expectedForm(k)]) throw new Error(`${kopeckWord} after ${k}`)
  return sign * (total * 100 + k)
}

t.test('the words read back to the amount, every noun agreeing with its number', async (t) => {
  for (const [kopecks, words] of CASES) t.equal(parse(words), kopecks, `the reader itself reads «${words}»`)
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: -99_999_999_999_999, max: 99_999_999_999_999 }), fc.integer({ min: 0, max: 10_000_000 })), (kopecks) => {
      const words = amountInWords(kopecks)
      return /^[А-Я]/.test(words) && parse(words) === kopecks
    }),
    { numRuns: 3000 },
  )
})
