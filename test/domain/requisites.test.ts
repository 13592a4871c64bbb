import t from 'tap'
import {
  innControlDigits,
  isValidBik,
  isValidCorrespondentAccount,
  isValidInn,
  isValidKpp,
  isValidOgrn,
  isValidSettlementAccount,
  ogrnControlDigit,
  requisitesProblems,
  withCorrespondentKey,
  withSettlementKey,
} from '../../src/domain/requisites.ts'

// An independent reference, written apart from the code under test: explicit per-position loops, the long numbers
// reduced digit by digit (no BigInt), the account weights spelled out as text.

function refInn(inn: string): boolean {
  if (!/^\d+$/.test(inn)) return false
  const d = (i: number) => inn.charCodeAt(i) - 48
  const ctl = (w: number[]) => {
    let s = 0
    for (let i = 0; i < w.length; i++) s += w[i]! * d(i)
    return (s % 11) % 10
  }
  if (inn.length === 10) return ctl([2, 4, 10, 3, 5, 9, 4, 6, 8]) === d(9)
  if (inn.length === 12) return ctl([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d(10) && ctl([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d(11)
  return false
}

function remainder(text: string, modulus: number): number {
  let r = 0
  for (const ch of text) r = (r * 10 + (ch.charCodeAt(0) - 48)) % modulus
  return r
}

function refOgrn(ogrn: string): boolean {
  if (!/^\d+$/.test(ogrn) || (ogrn.length !== 13 && ogrn.length !== 15)) return false
  const modulus = ogrn.length === 13 ? 11 : 13
  return remainder(ogrn.slice(0, -1), modulus) % 10 === Number(ogrn[ogrn.length - 1])
}

const WEIGHTS_713 = '71371371371371371371371'
function refKey(prefix3: string, account: string): boolean {
  const all = prefix3 + account
  if (!/^\d{23}$/.test(all)) return false
  let s = 0
  for (let i = 0; i < 23; i++) s += (Number(all[i]) * Number(WEIGHTS_713[i])) % 10
  return s % 10 === 0
}
const refSettlement = (account: string, bik: string) => refKey(bik.slice(-3), account)
const refCorrespondent = (account: string, bik: string) => refKey(`0${bik[4]}${bik[5]}`, account)

/** Every number that differs from `s` in exactly one digit. */
function mutations(s: string): { at: number; text: string }[] {
  const out: { at: number; text: string }[] = []
  for (let i = 0; i < s.length; i++) for (let d = 0; d <= 9; d++) if (String(d) !== s[i]) out.push({ at: i, text: s.slice(0, i) + d + s.slice(i + 1) })
  return out
}

// Real-world-format requisites of a bank (ПАО Сбербанк, as printed on its own documents).
const SBER = { inn: '7707083893', kpp: '773601001', ogrn: '1027700132195', bik: '044525225', correspondentAccount: '30101810400000000225' }

t.test('known numbers pass both the reference and the code', async (t) => {
  t.ok(refInn(SBER.inn) && isValidInn(SBER.inn), 'ИНН 7707083893')
  t.ok(refOgrn(SBER.ogrn) && isValidOgrn(SBER.ogrn), 'ОГРН 1027700132195')
  t.ok(refCorrespondent(SBER.correspondentAccount, SBER.bik) && isValidCorrespondentAccount(SBER.correspondentAccount, SBER.bik), 'корр. счёт')
  t.ok(isValidKpp(SBER.kpp) && isValidKpp('7736AB001'), 'КПП, with letters in the reason code')
  t.ok(isValidBik(SBER.bik))
  // By hand: 7·2+7·4+0·10+7·3+0·5+8·9+3·4+8·6+9·8 = 14+28+0+21+0+72+12+48+72 = 267; 267 mod 11 = 3: control 3.
  t.equal(innControlDigits('770708389'), '3')
  // An individual entrepreneur's ИНН: 500100732259 — by hand, n11 = (7·5+2·0+4·0+10·1+3·0+5·0+9·7+4·3+6·2+8·2) =
  // 35+10+63+12+12+16 = 148; 148 mod 11 = 5; n12 = 3·5+7·0+2·0+4·1+10·0+3·0+5·7+9·3+4·2+6·2+8·5 = 15+4+35+27+8+12+40 = 141; 141 mod 11 = 9.
  t.equal(innControlDigits('5001007322'), '59')
  t.ok(refInn('500100732259') && isValidInn('500100732259'))
  // An ОГРНИП: 30450011600015 mod 13 = 7 (reference) → control 7.
  t.equal(ogrnControlDigit('30450011600015'), String(remainder('30450011600015', 13) % 10))
  t.ok(refOgrn('304500116000157') && isValidOgrn('304500116000157'))
  const account = withSettlementKey('40702810000000012345', SBER.bik)
  t.ok(refSettlement(account, SBER.bik), `${account} agrees with БИК ${SBER.bik} by the reference`)
  t.ok(isValidSettlementAccount(account, SBER.bik))
  const corr = withCorrespondentKey('30101810000000000225', SBER.bik)
  t.equal(corr, SBER.correspondentAccount, 'the key computed for the bank is the one it prints')
})

t.test('shapes are refused', async (t) => {
  for (const bad of ['', '770708389', '77070838933', '770708389a', '７７０７０８３８９３', ' 7707083893'])
    t.notOk(isValidInn(bad), `ИНН ${JSON.stringify(bad)}`)
  for (const bad of ['', '102770013219', '10277001321950', '1027700132195 ']) t.notOk(isValidOgrn(bad), `ОГРН ${JSON.stringify(bad)}`)
  for (const bad of ['', '77360100', '7736010011', '773a01001', '7736ab001', 'A73601001', '77360100Z']) t.notOk(isValidKpp(bad), `КПП ${JSON.stringify(bad)}`)
  for (const bad of ['', '04452522', '0445252250', '04452522x']) t.notOk(isValidBik(bad), `БИК ${JSON.stringify(bad)}`)
  t.notOk(isValidSettlementAccount('4070281000000001234', SBER.bik), '19 digits')
  t.notOk(isValidSettlementAccount(withSettlementKey('40702810000000012345', SBER.bik), '04452522'), 'a malformed БИК')
})

t.test('every single-digit mutation of an account is refused (weights 7, 1, 3 are all prime to 10)', async (t) => {
  const bik = SBER.bik
  const account = withSettlementKey('40702810000000012345', bik)
  for (const m of mutations(account)) {
    t.notOk(refSettlement(m.text, bik), `reference refuses ${m.text}`)
    if (isValidSettlementAccount(m.text, bik)) t.fail(`settlement account ${m.text} accepted`)
  }
  for (const m of mutations(SBER.correspondentAccount)) if (isValidCorrespondentAccount(m.text, bik)) t.fail(`correspondent account ${m.text} accepted`)
  // A mutation of the БИК's checked digits breaks the pair as well.
  for (const m of mutations(bik).filter((m) => m.at >= 6)) if (isValidSettlementAccount(account, m.text)) t.fail(`БИК ${m.text} accepted`)
  for (const m of mutations(bik).filter((m) => m.at === 4 || m.at === 5))
    if (isValidCorrespondentAccount(SBER.correspondentAccount, m.text)) t.fail(`БИК ${m.text} accepted for the correspondent account`)
})

t.test('single-digit mutations of ИНН and ОГРН: refused exactly when the reference refuses them, every one here', async (t) => {
  // (mod 11, then mod 10) folds remainder 10 onto 0, so some mutation of some number keeps its control digit; the
  // numbers below have none such (the reference says so), and the code must refuse every mutation of them.
  const numbers: [string, (s: string) => boolean, (s: string) => boolean][] = [
    [SBER.inn, refInn, isValidInn],
    ['500100732259', refInn, isValidInn],
    [SBER.ogrn, refOgrn, isValidOgrn],
    ['304500116000157', refOgrn, isValidOgrn],
  ]
  for (const [valid, ref, code] of numbers) {
    let refused = 0
    const all = mutations(valid)
    for (const m of all) {
      t.notOk(ref(m.text), `reference refuses ${m.text}`)
      if (code(m.text)) t.fail(`${m.text} accepted`)
      else refused++
    }
    t.equal(refused, all.length, `${valid}: all ${all.length} mutations refused`)
  }
  // And where the fold does let a mutation through, code and reference still agree.
  for (let n = 0; n < 2000; n++) {
    const body = String(100000000 + n * 4999)
    const inn = body + innControlDigits(body)
    for (const m of mutations(inn)) if (isValidInn(m.text) !== refInn(m.text)) t.fail(`disagree on ${m.text}`)
  }
})

t.test('requisitesProblems names each bad field, and cross-checks', async (t) => {
  const account = withSettlementKey('40702810000000012345', SBER.bik)
  const good = { ...SBER, settlementAccount: account, fullName: 'ООО «Ромашка»', shortName: 'Ромашка' }
  t.same(requisitesProblems(good), [])
  t.same(requisitesProblems({}), [], 'nothing given, nothing wrong')
  const fields = (r: object) => requisitesProblems(r).map((p) => p.field)
  t.same(fields({ ...good, inn: '7707083894' }), ['inn'])
  t.same(fields({ ...good, ogrn: '1027700132196' }), ['ogrn'])
  t.same(fields({ ...good, kpp: '77360100' }), ['kpp'])
  t.same(fields({ ...good, settlementAccount: `${account.slice(0, 19)}${(Number(account[19]) + 1) % 10}` }), ['settlementAccount'])
  t.same(fields({ ...good, correspondentAccount: '30101810400000000226' }), ['correspondentAccount'])
  t.same(fields({ ...good, bik: '044535226' }), ['settlementAccount', 'correspondentAccount'], 'another bank: both accounts disagree')
  t.same(fields({ ...good, bik: '044525226' }), ['settlementAccount'], 'the correspondent account reads only the 5th and 6th digits')
  t.same(fields({ ...good, fullName: '   ' }), ['fullName'])
  t.same(fields({ inn: '500100732259', kpp: '773601001' }), ['kpp'], 'an entrepreneur has no КПП')
  t.same(fields({ inn: SBER.inn, ogrn: '304500116000157' }), ['ogrn'], 'an organisation has no ОГРНИП')
})
