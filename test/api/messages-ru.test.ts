import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { MESSAGES_RU, prefersRussian } from '../../src/api/messages-ru.ts'

// Every problem code the code base can answer with must have a Russian message: the codes are read from the source
// itself (the rule table of src/domain/errors.ts, every ProblemError, QuoteInputError, TransparencyError and store error, and the codes
// the API's error handler and pages write), so a code added without a message fails here.

const files = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))

function emittedCodes(): Set<string> {
  const codes = new Set<string>()
  const add = (text: string, re: RegExp) => {
    for (const m of text.matchAll(re)) codes.add(m[1]!)
  }
  const rules = fs.readFileSync('src/domain/errors.ts', 'utf8')
  add(/const DOMAIN_ERRORS = \{([\s\S]*?)\} as const/.exec(rules)![1]!, /^\s+([a-z0-9_]+):\s*\d{3},?$/gm)
  for (const file of files('src')) {
    const text = fs.readFileSync(file, 'utf8')
    add(text, /ProblemError\(\s*\d{3},\s*'([a-z0-9_]+)'/g)
    add(text, /QuoteInputError\(\s*'([a-z0-9_]+)'/g)
    add(text, /TransparencyError\(\s*'([a-z0-9_]+)'/g)
    add(text, /readonly code = '([a-z0-9_]+)'/g)
    if (file.startsWith(path.join('src', 'api')) || file.startsWith(path.join('src', 'web'))) {
      // The error handler's and the pages' own codes, conditional ones included (`code: a ? 'x' : 'y'`).
      for (const line of text.split('\n').filter((l) => /\bcode:/.test(l))) add(line, /'([a-z][a-z0-9]*(?:_[a-z0-9]+)*)'/g)
    }
  }
  return codes
}

t.test('every problem code the code base emits has a Russian message', async (t) => {
  const codes = emittedCodes()
  t.ok(codes.size > 80, `found ${codes.size} codes in the source (the scan itself works)`)
  for (const must of ['overpayment', 'validation_failed', 'wrong_expected_version', 'date_in_future', 'malformed_json'])
    t.ok(codes.has(must), `the scan finds ${must}`)
  const missing = [...codes].filter((c) => !MESSAGES_RU[c])
  t.same(missing, [], 'codes without a Russian message')
  for (const [code, text] of Object.entries(MESSAGES_RU)) t.match(text, /[А-Яа-яЁё]/, `${code}: the message is in Russian`)
})

t.test('Accept-Language: Russian only when it is ranked first', async (t) => {
  t.ok(prefersRussian('ru'))
  t.ok(prefersRussian('ru-RU,ru;q=0.9,en;q=0.8'))
  t.ok(prefersRussian('en;q=0.5, ru'))
  t.notOk(prefersRussian('en-US,en;q=0.9,ru;q=0.8'))
  t.notOk(prefersRussian('ru;q=0, en'))
  t.notOk(prefersRussian(undefined))
  t.notOk(prefersRussian('rus'))
})
