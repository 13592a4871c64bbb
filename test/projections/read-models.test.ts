import t from 'tap'
import { certificateBalances } from '../../projections/certificate-balances/index.ts'
import { contracts } from '../../projections/contracts/index.ts'
import { coverage } from '../../projections/coverage/index.ts'
import { RowSet } from '../../projections/rows.ts'
import type { Projection } from '../../projections/types.ts'
import type { LedgerEvent } from '../../events/index.ts'
import type { RecordedEvent } from '../../src/store/port.ts'
import { e } from '../helpers/given.ts'

// Given events, expect rows: each projection's functions over a short history, rows computed by hand.

const recorded = (events: LedgerEvent[]): RecordedEvent[] =>
  events.map((x, i) => ({
    ...x, eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, schemaVersion: 1, metadata: { actor: 't', correlationId: 't' },
    streamId: 's', streamPosition: i, globalPosition: BigInt(i + 1), transactionId: BigInt(i + 1), recordedAt: new Date(0), prevHash: '', hash: '',
  }))

function project(p: Projection, events: LedgerEvent[]) {
  const rows = new RowSet(false)
  for (const ev of recorded(events)) {
    for (const ref of p.touches(ev)) if (!p.tables.includes(ref.table)) throw new Error(`touches an unknown table ${ref.table}`)
    p.apply(rows, ev)
  }
  return rows
}

const N = 'C000000001'
const C1 = '00000000-0000-4000-8000-0000000000c1'
const C2 = '00000000-0000-4000-8000-0000000000c2'
const request = (contractId: string, direction: 'technical' | 'artistic', certificate: number, kind: 'financing' | 'budget' = 'financing') =>
  e('ContractRequested', {
    contractId, certificateNumber: N, groupId: `g-${direction}`, programmeId: `p-${direction}`, providerId: 'prov-1', municipality: 'tambov', periodId: '2024',
    payerId: kind === 'financing' ? 'payer-1' : null, kind, direction, requestedOn: '2024-10-01', startDate: '2024-10-15', endDate: '2025-05-31',
    quote: { days: 229, months: 8, all: 754946, normative: 587180, certificate, parent: 754946 - certificate, certificateFirstMonth: 0, certificateOtherMonth: 0, parentFirstMonth: 0, parentOtherMonth: 0 },
    schedule: [{ month: '2024-10', certificate, parent: 754946 - certificate }],
  })
const history: LedgerEvent[] = [
  e('FinancingPeriodOpened', { municipality: 'tambov', periodId: '2024', startDate: '2024-09-01', endDate: '2025-08-31', nominal: 776000, financingCap: 1125, nominalLimit: 873000000, payerId: 'payer-1' }),
  e('PopulationRecorded', { municipality: 'tambov', year: 2024, children5to18: 3750 }),
  e('CertificateIssued', { certificateNumber: N, municipality: 'tambov', birthDate: '2014-10-20', issuedOn: '2024-09-02', requestedType: 'financing' }),
  e('CertificateActivated', { certificateNumber: N, activatedOn: '2024-09-02' }),
  e('FinancingPlaceTaken', { municipality: 'tambov', periodId: '2024', certificateNumber: N, takenOn: '2024-09-02', via: 'request' }),
  e('CertificateTypeChanged', { certificateNumber: N, periodId: '2024', from: 'accounting', to: 'financing', changedOn: '2024-09-02', reason: 'issued_as_financing', nominalWithdrawn: 0 }),
  e('NominalCredited', { certificateNumber: N, periodId: '2024', amount: 776000, creditedOn: '2024-09-02' }),
  e('CertificateFundsReserved', { certificateNumber: N, periodId: '2024', contractId: C1, amount: 587180, reservedOn: '2024-10-01' }),
  request(C1, 'technical', 587180),
  e('ContractAccepted', { contractId: C1, certificateNumber: N, acceptedOn: '2024-10-02' }),
  request(C2, 'artistic', 0, 'budget'),
  e('ContractAccepted', { contractId: C2, certificateNumber: N, acceptedOn: '2024-10-02' }),
  e('ContractTerminated', { contractId: C1, certificateNumber: N, terminatedOn: '2025-01-20', by: 'parent', reason: 'moved', lastMonth: '2025-01', closesOn: '2025-01-31', released: 310620 }),
  e('CertificateReservationReleased', { certificateNumber: N, periodId: '2024', contractId: C1, amount: 310620, releasedOn: '2025-01-20', reason: 'terminated', lastMonth: '2025-01' }),
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
  t.match(rows.get('contracts', [C1]), { status: 'terminated', certificate_part: 587180, parent_part: 754946 - 587180, released: 310620, last_month: '2025-01', closes_on: '2025-01-31', accepted_on: '2024-10-02' })
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
