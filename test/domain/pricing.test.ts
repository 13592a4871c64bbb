import fc from 'fast-check'
import t from 'tap'
import { formatAmount, parseAmount } from '../../src/domain/money.ts'
import { quoteContract } from '../../src/domain/pricing.ts'
import { quoteReference as reference } from '../helpers/pricing-reference.ts'

t.test("domain.md's worked example, to the kopeck", async (t) => {
  // group 2024-09-01..2025-05-31 (G = 273), price 9 000.00, normative 7 000.00, balance 7 760.00, from 2024-10-15
  const q = quoteContract({ groupStart: '2024-09-01', groupEnd: '2025-05-31', start: '2024-10-15', price: 900000, normative: 700000, balance: 776000 })
  t.equal(q.days, 229)
  t.equal(q.months, 8)
  t.equal(q.all, 754946, 'all = 7 549.46')
  t.equal(q.normative, 587180, 'ns = 5 871.80')
  t.equal(q.certificate, 587180, 'cert = 5 871.80')
  t.equal(q.parent, 167766, 'parent = 1 677.66')
  t.equal(q.certificateFirstMonth, 43595, 'first month 435.95')
  t.equal(q.certificateOtherMonth, 77655, 'each later month 776.55')
  // parent: other = floor(212 × 167766 / (229 × 7)) = floor(35 566 392 / 1 603) = 22 187; first = 167 766 − 7 × 22 187
  t.equal(q.parentOtherMonth, 22187)
  t.equal(q.parentFirstMonth, 12457)
  t.same(
    q.schedule.map((s) => s.month),
    ['2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05'],
  )
})

t.test('months touched and first-month days', async (t) => {
  const two = quoteContract({
    groupStart: '2024-09-01',
    groupEnd: '2025-05-31',
    start: '2024-10-31',
    end: '2024-11-01',
    price: 27300,
    normative: 27300,
    balance: 999999,
  })
  t.equal(two.months, 2, '31 Oct – 1 Nov touches 2 months')
  t.equal(two.days, 2)
  // all = ceil(2 × 27300 / 273) = 200; other = floor((2 − 1) × 200 / (2 × 1)) = 100; first = 100
  t.equal(two.all, 200)
  t.same([two.certificateFirstMonth, two.certificateOtherMonth], [100, 100])
  const one = quoteContract({ groupStart: '2024-09-01', groupEnd: '2024-09-30', start: '2024-09-10', price: 300000, normative: 300000, balance: 999999 })
  t.equal(one.months, 1)
  // all = ceil(21 × 300000 / 30) = 210000, all in the one month
  t.same([one.certificate, one.certificateFirstMonth, one.certificateOtherMonth], [210000, 210000, 0])
})

t.test('the certificate pays the least of price, normative and balance', async (t) => {
  const base = { groupStart: '2024-09-01', groupEnd: '2025-05-31', start: '2024-09-01' }
  t.equal(quoteContract({ ...base, price: 500000, normative: 700000, balance: 776000 }).certificate, 500000, 'price lowest')
  t.equal(quoteContract({ ...base, price: 900000, normative: 700000, balance: 776000 }).certificate, 700000, 'normative lowest')
  const poor = quoteContract({ ...base, price: 900000, normative: 700000, balance: 12345 })
  t.equal(poor.certificate, 12345, 'balance lowest')
  t.equal(poor.parent, 900000 - 12345)
  t.equal(quoteContract({ ...base, price: 900000, normative: 700000, balance: 0 }).certificate, 0)
})

t.test('bad input is refused, never priced', async (t) => {
  const base = { groupStart: '2024-09-01', groupEnd: '2025-05-31', price: 1, normative: 1, balance: 1 }
  t.throws(() => quoteContract({ ...base, start: '2024-08-31' }), { code: 'start_outside_group' })
  t.throws(() => quoteContract({ ...base, start: '2025-06-01' }), { code: 'start_outside_group' })
  t.throws(() => quoteContract({ ...base, start: '2024-10-01', end: '2024-09-30' }), { code: 'end_outside_group' })
  t.throws(() => quoteContract({ ...base, start: '2024-10-01', price: -1 }), { code: 'amount_invalid' })
  for (const bad of ['-1.00', '1.005', '1', '1.5', '1e3', ' 1.00', '01.00', '']) t.throws(() => parseAmount(bad), `refuses ${JSON.stringify(bad)}`)
  t.equal(parseAmount('7760.00'), 776000)
  t.equal(formatAmount(776000), '7760.00')
  t.equal(formatAmount(5), '0.05')
  t.equal(formatAmount(-150), '-1.50')
})

t.test('property: the quote equals an independent computation and its schedule sums to the parts', async (t) => {
  const day = fc.integer({ min: 0, max: 800 }).map((n) => new Date(Date.UTC(2023, 0, 1) + n * 86400000).toISOString().slice(0, 10))
  fc.assert(
    fc.property(
      fc.tuple(day, day, fc.nat(), fc.nat()),
      fc.integer({ min: 0, max: 5_000_000_00 }),
      fc.integer({ min: 0, max: 5_000_000_00 }),
      fc.integer({ min: 0, max: 5_000_000_00 }),
      ([a, b, s, e], price, normative, balance) => {
        const [groupStart, groupEnd] = a <= b ? [a, b] : [b, a]
        const span = (Date.parse(groupEnd) - Date.parse(groupStart)) / 86400000
        const start = new Date(Date.parse(groupStart) + (s % (span + 1)) * 86400000).toISOString().slice(0, 10)
        const rest = (Date.parse(groupEnd) - Date.parse(start)) / 86400000
        const end = new Date(Date.parse(start) + (e % (rest + 1)) * 86400000).toISOString().slice(0, 10)
        const q = quoteContract({ groupStart, groupEnd, start, end, price, normative, balance })
        const r = reference(groupStart, groupEnd, start, end, BigInt(price), BigInt(normative), BigInt(balance))
        if (BigInt(q.all) !== r.all || BigInt(q.normative) !== r.ns || BigInt(q.certificate) !== r.cert) return false
        if (BigInt(q.certificateOtherMonth) !== r.other || BigInt(q.certificateFirstMonth) !== r.first || BigInt(q.months) !== r.M) return false
        const sumCert = q.schedule.reduce((x, m) => x + m.certificate, 0)
        const sumParent = q.schedule.reduce((x, m) => x + m.parent, 0)
        return (
          sumCert === q.certificate &&
          sumParent === q.parent &&
          q.parent === q.all - q.certificate &&
          q.schedule.every((m) => m.certificate >= 0 && m.parent >= 0)
        )
      },
    ),
    { numRuns: 300 },
  )
  t.pass('300 random quotes agree with the reference and their schedules add up')
})
