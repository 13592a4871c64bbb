import t from 'tap'
import { catalogue, type LedgerEvent } from '../../events/index.ts'
import { certificateBalances } from '../../projections/certificate-balances/index.ts'
import { contracts } from '../../projections/contracts/index.ts'
import { coverage } from '../../projections/coverage/index.ts'
import { ledgerPostings } from '../../projections/ledger-postings/index.ts'
import { projectable } from '../../projections/postgres.ts'
import { providerInvoices } from '../../projections/provider-invoices/index.ts'
import { RowSet } from '../../projections/rows.ts'
import type { Projection } from '../../projections/types.ts'
import type { RecordedEvent } from '../../src/store/port.ts'
import { e } from '../helpers/given.ts'

// Given events, expect rows: each projection's functions over a short history, rows computed by hand. Strict: a row
// the projection reads or writes without declaring it in `touches` fails the test, as it would fail a live batch.

const recorded = (events: LedgerEvent[]): RecordedEvent[] =>
  events.map((x, i) => ({
    ...x,
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    schemaVersion: catalogue[x.type].schemaVersion,
    metadata: { actor: 't', correlationId: 't' },
    streamId: 's',
    streamPosition: i,
    globalPosition: BigInt(i + 1),
    transactionId: BigInt(i + 1),
    recordedAt: new Date(0),
    prevHash: '',
    hash: '',
  }))

function project(p: Projection, events: LedgerEvent[]) {
  const rows = new RowSet(true)
  const typed = projectable(recorded(events))
  if (typed.length !== events.length) throw new Error('a given event does not validate against its schema')
  for (const ev of typed) {
    for (const ref of p.touches(ev)) {
      if (!p.tables.includes(ref.table)) throw new Error(`touches an unknown table ${ref.table}`)
      if (!rows.has(ref)) rows.load(ref.table, ref.key, null)
    }
    p.apply(rows, ev)
  }
  return rows
}

const N = 'C000000001'
const C1 = '00000000-0000-4000-8000-0000000000c1'
const C2 = '00000000-0000-4000-8000-0000000000c2'
const request = (contractId: string, direction: 'technical' | 'artistic', certificate: number, kind: 'financing' | 'budget' = 'financing') =>
  e('ContractRequested', {
    contractId,
    certificateNumber: N,
    groupId: `g-${direction}`,
    programmeId: `p-${direction}`,
    providerId: 'prov-1',
    municipality: 'tambov',
    periodId: '2024',
    payerId: kind === 'financing' ? 'payer-1' : null,
    kind,
    direction,
    requestedOn: '2024-10-01',
    startDate: '2024-10-15',
    endDate: '2025-05-31',
    quote: {
      days: 229,
      months: 8,
      all: 754946,
      normative: 587180,
      certificate,
      parent: 754946 - certificate,
      certificateFirstMonth: 0,
      certificateOtherMonth: 0,
      parentFirstMonth: 0,
      parentOtherMonth: 0,
    },
    schedule: [{ month: '2024-10', certificate, parent: 754946 - certificate }],
  })
const history: LedgerEvent[] = [
  e('FinancingPeriodOpened', {
    municipality: 'tambov',
    periodId: '2024',
    startDate: '2024-09-01',
    endDate: '2025-08-31',
    nominal: 776000,
    financingCap: 1125,
    nominalLimit: 873000000,
    payerId: 'payer-1',
  }),
  e('PopulationRecorded', { municipality: 'tambov', year: 2024, children5to18: 3750 }),
  e('CertificateIssued', { certificateNumber: N, municipality: 'tambov', birthDate: '2014-10-20', issuedOn: '2024-09-02', requestedType: 'financing' }),
  e('CertificateActivated', { certificateNumber: N, activatedOn: '2024-09-02' }),
  e('FinancingPlaceTaken', { municipality: 'tambov', periodId: '2024', certificateNumber: N, takenOn: '2024-09-02', via: 'request' }),
  e('CertificateTypeChanged', {
    certificateNumber: N,
    periodId: '2024',
    from: 'accounting',
    to: 'financing',
    changedOn: '2024-09-02',
    reason: 'issued_as_financing',
    nominalWithdrawn: 0,
  }),
  e('NominalCredited', { certificateNumber: N, periodId: '2024', amount: 776000, creditedOn: '2024-09-02' }),
  e('CertificateFundsReserved', { certificateNumber: N, periodId: '2024', contractId: C1, amount: 587180, reservedOn: '2024-10-01' }),
  request(C1, 'technical', 587180),
  e('ContractAccepted', { contractId: C1, certificateNumber: N, acceptedOn: '2024-10-02' }),
  request(C2, 'artistic', 0, 'budget'),
  e('ContractAccepted', { contractId: C2, certificateNumber: N, acceptedOn: '2024-10-02' }),
  e('ContractTerminated', {
    contractId: C1,
    certificateNumber: N,
    terminatedOn: '2025-01-20',
    by: 'parent',
    reason: 'moved',
    lastMonth: '2025-01',
    closesOn: '2025-01-31',
    released: 310620,
  }),
  e('CertificateReservationReleased', {
    certificateNumber: N,
    periodId: '2024',
    contractId: C1,
    amount: 310620,
    releasedOn: '2025-01-20',
    reason: 'terminated',
    lastMonth: '2025-01',
  }),
]

t.test('certificate balances', async (t) => {
  const rows = project(certificateBalances, history)
  // nominal 7 760.00; reserved 5 871.80 − 3 106.20 released = 2 765.60; balance 7 760.00 − 2 765.60 = 4 994.40
  t.match(rows.get('certificate_balances', [N, '2024']), { nominal: 776000, reserved: 276560, spent: 0, balance: 499440 })
  t.match(rows.get('certificates', [N]), { type: 'financing', active: true, frozen_in: null, municipality: 'tambov' })
  t.match(rows.get('certificate_contracts', [N, C1]), { status: 'terminated', reserved: 276560, period_id: '2024' })
  t.match(rows.get('certificate_contracts', [N, C2]), { status: 'accepted', reserved: 0 })
  t.match(rows.get('financing_periods', ['tambov', '2024']), { places_taken: 1, queue_length: 0, financing_cap: 1125 })
})

t.test('contracts', async (t) => {
  const rows = project(contracts, history)
  t.match(rows.get('contracts', [C1]), {
    status: 'terminated',
    certificate_part: 587180,
    parent_part: 754946 - 587180,
    released: 310620,
    last_month: '2025-01',
    closes_on: '2025-01-31',
    accepted_on: '2024-10-02',
  })
  t.match(rows.get('contracts', [C2]), { status: 'accepted', kind: 'budget', certificate_part: 0, payer_id: null })
})

t.test('coverage: one child, two directions, the attended period cut at termination', async (t) => {
  const rows = project(coverage, history)
  t.match(rows.get('children', [N]), { type: 'financing', birth_date: '2014-10-20' })
  t.match(rows.get('enrolments', [C1]), { status: 'terminated', end_date: '2025-01-31', direction: 'technical' })
  t.match(rows.get('enrolments', [C2]), { status: 'accepted', end_date: '2025-05-31', direction: 'artistic' })
  t.match(rows.get('financing', [N, '2024']), { nominal: 776000, municipality: 'tambov' })
  t.match(rows.get('population', ['tambov', 2024]), { children: 3750 })
})

// A month of invoices: October settled and invoiced (one line at 75 %), November's advance, payments, a reversal,
// the shortfall returned; figures by hand: October's line 435.95 × 6/8 = 326.96 (half-up), November's advance 80 % of
// 776.55 = 621.24, its final invoice 776.55 − 621.24 paid = 155.31 due.
const F_OCT = 'final-tambov-payer-1-prov-1-2024-10'
const A_NOV = 'advance-tambov-payer-1-prov-1-2024-11'
const F_NOV = 'final-tambov-payer-1-prov-1-2024-11'
const invoices: LedgerEvent[] = [
  e('FinalInvoiceIssued', {
    invoiceId: F_OCT,
    number: 'F-2024-10-tambov-payer-1-prov-1',
    payerId: 'payer-1',
    providerId: 'prov-1',
    municipality: 'tambov',
    month: '2024-10',
    issuedOn: '2024-11-01',
    lines: [
      { contractId: C1, certificateNumber: N, contractDate: '2024-10-01', month: '2024-10', monthAmount: 43595, completenessBp: 7500, lineAmount: 32696 },
    ],
    corrections: [],
    total: 32696,
    advanceDeducted: 0,
    amountDue: 32696,
  }),
  e('AdvanceInvoiceIssued', {
    invoiceId: A_NOV,
    number: 'A-2024-11-tambov-payer-1-prov-1',
    payerId: 'payer-1',
    providerId: 'prov-1',
    municipality: 'tambov',
    month: '2024-11',
    issuedOn: '2024-11-01',
    lines: [{ contractId: C1, certificateNumber: N, monthAmount: 77655, amount: 62124 }],
    total: 62124,
  }),
  e('MonthClosed', {
    municipality: 'tambov',
    month: '2024-10',
    closedOn: '2024-11-01',
    contractsWrittenOff: 1,
    contractsClosed: 0,
    requestsExpired: 0,
    finalInvoices: [F_OCT],
    advanceInvoices: [A_NOV],
  }),
  e('PaymentRecorded', {
    invoiceId: F_OCT,
    kind: 'final',
    payerId: 'payer-1',
    providerId: 'prov-1',
    month: '2024-10',
    paymentId: 'p1',
    amount: 32696,
    paidOn: '2024-11-12',
    paymentOrder: '1',
    overdue: true,
  }),
  e('ShortfallRefunded', {
    certificateNumber: N,
    periodId: '2024',
    contractId: C1,
    month: '2024-10',
    invoiceId: F_OCT,
    correctionId: null,
    amount: 10899,
    refundedOn: '2024-11-12',
  }),
  e('PaymentRecorded', {
    invoiceId: A_NOV,
    kind: 'advance',
    payerId: 'payer-1',
    providerId: 'prov-1',
    month: '2024-11',
    paymentId: 'p2',
    amount: 62124,
    paidOn: '2024-11-05',
    paymentOrder: '2',
    overdue: false,
  }),
  e('PaymentRecorded', {
    invoiceId: A_NOV,
    kind: 'advance',
    payerId: 'payer-1',
    providerId: 'prov-1',
    month: '2024-11',
    paymentId: 'p3',
    amount: 100,
    paidOn: '2024-11-06',
    paymentOrder: '3',
    overdue: false,
  }),
  e('PaymentReversed', {
    invoiceId: A_NOV,
    kind: 'advance',
    payerId: 'payer-1',
    providerId: 'prov-1',
    month: '2024-11',
    reversesPaymentId: 'p3',
    amount: 100,
    reversedOn: '2024-11-07',
    reason: 'twice',
  }),
  e('FinalInvoiceIssued', {
    invoiceId: F_NOV,
    number: 'F-2024-11-tambov-payer-1-prov-1',
    payerId: 'payer-1',
    providerId: 'prov-1',
    municipality: 'tambov',
    month: '2024-11',
    issuedOn: '2024-12-01',
    lines: [
      { contractId: C1, certificateNumber: N, contractDate: '2024-10-01', month: '2024-11', monthAmount: 77655, completenessBp: 10000, lineAmount: 77655 },
    ],
    corrections: [],
    total: 77655,
    advanceDeducted: 62124,
    amountDue: 77655 - 62124,
  }),
]

t.test('provider invoices: issued, paid late, a payment reversed, the advance deducted, the month closed', async (t) => {
  const rows = project(providerInvoices, invoices)
  t.match(rows.get('invoices', [F_OCT]), {
    kind: 'final',
    total: 32696,
    amount_due: 32696,
    amount_paid: 32696,
    overdue_paid: 32696,
    refunded: 10899,
    settled_on: '2024-11-12',
  })
  t.match(
    rows.get('invoices', [A_NOV]),
    { kind: 'advance', total: 62124, amount_due: 62124, amount_paid: 62124, overdue_paid: 0, deducted_on: '2024-12-01' },
    'paid once (the second payment reversed), then deducted',
  )
  t.match(rows.get('invoices', [F_NOV]), { total: 77655, advance_deducted: 62124, amount_due: 15531, amount_paid: 0, deducted_on: null })
  t.match(rows.get('invoice_lines', [F_OCT, C1, '2024-10']), { month_amount: 43595, completeness_bp: 7500, line_amount: 32696, contract_date: '2024-10-01' })
  t.match(
    rows.get('invoice_lines', [A_NOV, C1, '2024-11']),
    { month_amount: 77655, line_amount: 62124, completeness_bp: 8000, contract_date: null },
    'an advance line: 621.24 / 776.55 = exactly 80 %',
  )
  t.match(rows.get('payments', ['p3']), { reversed: true, reversed_on: '2024-11-07', amount: 100 })
  t.match(rows.get('month_closes', ['tambov', '2024-10']), { closed_on: '2024-11-01' })
})

t.test('ledger postings: every movement a debit and a credit of the same amount', async (t) => {
  const rows = project(ledgerPostings, [...history, ...invoices])
  const postings = rows.all('postings') as { debit_account: string; credit_account: string; amount: number }[]
  const balance = new Map<string, number>()
  for (const p of postings) {
    t.ok(p.amount > 0, 'a posting moves money')
    balance.set(p.debit_account, (balance.get(p.debit_account) ?? 0) + p.amount)
    balance.set(p.credit_account, (balance.get(p.credit_account) ?? 0) - p.amount)
  }
  t.equal(
    [...balance.values()].reduce((a, b) => a + b, 0),
    0,
    'debits equal credits',
  )
  const cert = (part: string) => balance.get(`certificate:${N}:2024:${part}`) ?? 0
  // 7 760.00 credited, 5 871.80 reserved, 3 106.20 released: available 4 994.40, reserved 2 765.60; 108.99 of October
  // refunded from spent (never written off in this history: spent −108.99, available +108.99).
  t.same([cert('available'), cert('reserved'), cert('spent')], [776000 - 587180 + 310620 + 10899, 587180 - 310620, -10899])
  t.equal(balance.get('budget:2024'), -776000, 'the budget gave the nominal')
  // Provider: October's 326.96 and November's 776.55 owed; paid 326.96; the advance 621.24 set off against November.
  t.equal(balance.get('provider:prov-1:payable'), -(32696 + 77655) + 32696 + 62124)
  t.equal(balance.get('provider:prov-1:advances') ?? 0, 62124 + 100 - 100 - 62124, 'the advance paid, set off by the final invoice')
  t.equal(balance.get('payer:payer-1:bank'), -(32696 + 62124 + 100 - 100))
})
