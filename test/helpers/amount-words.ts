// An independent reader of сумма прописью for the tests: written from Russian grammar, apart from the code it checks.

// Sums the number words, multiplies by the scale nouns, and checks that
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

export function readAmountInWords(text: string): number {
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
