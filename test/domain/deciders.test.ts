import t from 'tap'
import { certificateDecider } from '../../src/domain/certificate.ts'
import { contractDecider, planContractRequest } from '../../src/domain/contract.ts'
import { fold } from '../../src/domain/decider.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { groupDecider } from '../../src/domain/group.ts'
import { municipalityDecider } from '../../src/domain/municipality.ts'
import { programmeDecider } from '../../src/domain/programme.ts'
import { providerDecider } from '../../src/domain/provider.ts'
import { e, given } from '../helpers/given.ts'

const M = 'tambov-district'
const opened = e('FinancingPeriodOpened', {
  municipality: M,
  periodId: '2024',
  startDate: '2024-09-01',
  endDate: '2025-08-31',
  nominal: 776000,
  financingCap: 2,
  nominalLimit: null,
  payerId: 'payer-1',
})
const place = (n: string, via: 'request' | 'queue' = 'request', on = '2024-09-02') =>
  e('FinancingPlaceTaken', { municipality: M, periodId: '2024', certificateNumber: n, takenOn: on, via })

t.test('municipality: periods, the cap and the queue', async (t) => {
  given(t, municipalityDecider, [])
    .when({ type: 'OpenFinancingPeriod', ...opened.data } as never)
    .then([opened])
  given(t, municipalityDecider, [opened])
    .when({ type: 'OpenFinancingPeriod', ...opened.data } as never)
    .refuses('period_already_open')
  given(t, municipalityDecider, [opened])
    .when({ type: 'OpenFinancingPeriod', ...opened.data, periodId: 'x', startDate: '2025-01-01', endDate: '2025-12-31' } as never)
    .refuses('period_overlaps')
  given(t, municipalityDecider, [])
    .when({ type: 'OpenFinancingPeriod', ...opened.data, startDate: '2025-01-01', endDate: '2024-12-31' } as never)
    .refuses('period_dates_invalid')

  const take = (n: string, queueIfFull = true) => ({
    type: 'TakeFinancingPlace' as const,
    periodId: '2024',
    certificateNumber: n,
    on: '2024-09-02',
    queueIfFull,
  })
  given(t, municipalityDecider, [opened])
    .when(take('A000000001'))
    .then([place('A000000001')], 'a free place is taken')
  given(t, municipalityDecider, [opened, place('A000000001')])
    .when(take('A000000001'))
    .then([], 'holding already: nothing to do')
  const full = [opened, place('A000000001'), place('A000000002')]
  given(t, municipalityDecider, full)
    .when(take('A000000003'))
    .then(
      [e('CertificateQueuedForFinancing', { municipality: M, periodId: '2024', certificateNumber: 'A000000003', queuedOn: '2024-09-02' })],
      'cap reached: queued',
    )
  given(t, municipalityDecider, full).when(take('A000000003', false)).refuses('financing_cap_reached')
  given(t, municipalityDecider, [
    ...full,
    e('CertificateQueuedForFinancing', { municipality: M, periodId: '2024', certificateNumber: 'A000000003', queuedOn: '2024-09-02' }),
  ])
    .when(take('A000000003'))
    .refuses('certificate_already_queued')
  const limited = e('FinancingPeriodOpened', {
    ...(opened.data as Extract<typeof opened, { type: 'FinancingPeriodOpened' }>['data']),
    financingCap: 10,
    nominalLimit: 776000 * 1 + 775999,
  })
  given(t, municipalityDecider, [limited, place('A000000001')])
    .when(take('A000000002', false))
    .refuses('nominal_limit_reached', 'two nominals would exceed the limit')
  given(t, municipalityDecider, [opened])
    .when({ ...take('A000000001'), periodId: 'nope' })
    .refuses('period_not_found')

  const queued = [
    ...full,
    e('CertificateQueuedForFinancing', { municipality: M, periodId: '2024', certificateNumber: 'A000000003', queuedOn: '2024-09-02' }),
    e('CertificateQueuedForFinancing', { municipality: M, periodId: '2024', certificateNumber: 'A000000004', queuedOn: '2024-09-03' }),
  ]
  given(t, municipalityDecider, queued)
    .when({ type: 'ReleaseFinancingPlace', periodId: '2024', certificateNumber: 'A000000001', on: '2024-10-01', reason: 'type_changed' })
    .then(
      [
        e('FinancingPlaceReleased', { municipality: M, periodId: '2024', certificateNumber: 'A000000001', releasedOn: '2024-10-01', reason: 'type_changed' }),
        e('CertificatePromotedFromQueue', { municipality: M, periodId: '2024', certificateNumber: 'A000000003', promotedOn: '2024-10-01' }),
        place('A000000003', 'queue', '2024-10-01'),
      ],
      'the freed place goes to the first in the queue',
    )
  given(t, municipalityDecider, [opened])
    .when({ type: 'ReleaseFinancingPlace', periodId: '2024', certificateNumber: 'A000000001', on: '2024-10-01', reason: 'frozen' })
    .then([], 'no place held: nothing to release')
})

const N = 'C000000001'
const issued = e('CertificateIssued', { certificateNumber: N, municipality: M, birthDate: '2015-03-10', issuedOn: '2024-08-20', requestedType: 'financing' })
const active = e('CertificateActivated', { certificateNumber: N, activatedOn: '2024-08-25' })
const financing = [
  e('CertificateTypeChanged', {
    certificateNumber: N,
    periodId: '2024',
    from: 'accounting',
    to: 'financing',
    changedOn: '2024-08-25',
    reason: 'issued_as_financing',
    nominalWithdrawn: 0,
  }),
  e('NominalCredited', { certificateNumber: N, periodId: '2024', amount: 776000, creditedOn: '2024-08-25' }),
]
const quoteInput = { groupStart: '2024-09-01', groupEnd: '2025-05-31', start: '2024-10-15', end: '2025-05-31', price: 900000, normative: 700000 }
const CID = '00000000-0000-4000-8000-000000000001'
const reserve = { type: 'ReserveFunds' as const, contractId: CID, periodId: '2024', on: '2024-10-01', quote: quoteInput, parentPaysAll: false }
const reserved = e('CertificateFundsReserved', { certificateNumber: N, periodId: '2024', contractId: CID, amount: 587180, reservedOn: '2024-10-01' })

t.test('certificate: issue, activation and age', async (t) => {
  const issue = {
    type: 'IssueCertificate' as const,
    certificateNumber: N,
    municipality: M,
    birthDate: '2015-03-10',
    issuedOn: '2024-08-20',
    requestedType: 'financing' as const,
  }
  given(t, certificateDecider, []).when(issue).then([issued])
  given(t, certificateDecider, [issued]).when(issue).refuses('certificate_already_issued')
  given(t, certificateDecider, [])
    .when({ ...issue, birthDate: '2019-08-21' })
    .refuses('child_age_outside_5_to_18', 'four years old the day before the fifth birthday')
  given(t, certificateDecider, [])
    .when({ ...issue, birthDate: '2019-08-20' })
    .then([e('CertificateIssued', { ...issued.data, birthDate: '2019-08-20' } as never)], 'five on the birthday')
  given(t, certificateDecider, [])
    .when({ ...issue, birthDate: '2006-08-20' })
    .refuses('child_age_outside_5_to_18', 'eighteen')
  given(t, certificateDecider, [issued]).when({ type: 'ActivateCertificate', activatedOn: '2024-08-25' }).then([active])
  given(t, certificateDecider, [issued, active]).when({ type: 'ActivateCertificate', activatedOn: '2024-08-26' }).refuses('certificate_already_active')
  given(t, certificateDecider, []).when({ type: 'ActivateCertificate', activatedOn: '2024-08-26' }).refuses('certificate_not_found')
})

t.test('certificate: type changes move the nominal', async (t) => {
  given(t, certificateDecider, [issued, active])
    .when({ type: 'MakeFinancing', periodId: '2024', on: '2024-08-25', nominal: 776000, reason: 'issued_as_financing' })
    .then(financing)
  given(t, certificateDecider, [issued, active, ...financing])
    .when({ type: 'MakeFinancing', periodId: '2024', on: '2024-08-25', nominal: 776000, reason: 'request' })
    .refuses('certificate_type_unchanged')
  given(t, certificateDecider, [issued, active, ...financing])
    .when({ type: 'MakeAccounting', periodId: '2024', on: '2024-09-01' })
    .then(
      [
        e('CertificateTypeChanged', {
          certificateNumber: N,
          periodId: '2024',
          from: 'financing',
          to: 'accounting',
          changedOn: '2024-09-01',
          reason: 'request',
          nominalWithdrawn: 776000,
        }),
      ],
      'the whole nominal leaves',
    )
  given(t, certificateDecider, [issued, active, ...financing, reserved])
    .when({ type: 'MakeAccounting', periodId: '2024', on: '2024-11-01' })
    .refuses('certificate_has_money_in_use')
  given(t, certificateDecider, [issued, active, ...financing])
    .when({ type: 'CreditNominal', periodId: '2024', on: '2024-09-01', nominal: 776000 })
    .refuses('certificate_already_credited', 'one nominal per period')
  given(t, certificateDecider, [issued, active])
    .when({ type: 'CreditNominal', periodId: '2025', on: '2025-09-01', nominal: 800000 })
    .refuses('certificate_not_financing')
})

t.test('certificate: reservation decides the certificate part from its own balance', async (t) => {
  given(t, certificateDecider, [issued]).when(reserve).refuses('certificate_not_active')
  given(t, certificateDecider, [issued, active, ...financing])
    .when(reserve)
    .then([reserved], 'cert = min(all, ns, B) = 5 871.80')
  const spentMost = e('CertificateFundsReserved', {
    certificateNumber: N,
    periodId: '2024',
    contractId: '00000000-0000-4000-8000-000000000009',
    amount: 700000,
    reservedOn: '2024-09-01',
  })
  given(t, certificateDecider, [issued, active, ...financing, spentMost])
    .when(reserve)
    .then(
      [e('CertificateFundsReserved', { certificateNumber: N, periodId: '2024', contractId: CID, amount: 76000, reservedOn: '2024-10-01' })],
      'only what is left: 760.00',
    )
  const drained = e('CertificateFundsReserved', { ...spentMost.data, amount: 776000 } as never)
  given(t, certificateDecider, [issued, active, ...financing, drained])
    .when(reserve)
    .refuses('no_certificate_funds')
  given(t, certificateDecider, [issued, active, ...financing, drained])
    .when({ ...reserve, parentPaysAll: true })
    .then([], 'the parent pays everything')
  given(t, certificateDecider, [issued, active]).when(reserve).refuses('no_certificate_funds', 'an accounting certificate has no money')
  given(t, certificateDecider, [issued, active, ...financing, reserved])
    .when(reserve)
    .then([], 'the same contract reserves once')
  given(t, certificateDecider, [issued, active, ...financing, reserved])
    .when({ type: 'ReleaseReservation', contractId: CID, on: '2024-10-20', amount: 'all', reason: 'refused' })
    .then([
      e('CertificateReservationReleased', {
        certificateNumber: N,
        periodId: '2024',
        contractId: CID,
        amount: 587180,
        releasedOn: '2024-10-20',
        reason: 'refused',
        lastMonth: null,
      }),
    ])
  given(t, certificateDecider, [issued, active, ...financing, reserved])
    .when({ type: 'ReleaseForTermination', contractId: CID, on: '2024-10-20', amount: 999999999, lastMonth: '2024-10' })
    .then(
      [
        e('CertificateReservationReleased', {
          certificateNumber: N,
          periodId: '2024',
          contractId: CID,
          amount: 587180,
          releasedOn: '2024-10-20',
          reason: 'terminated',
          lastMonth: '2024-10',
        }),
      ],
      'never more than is reserved',
    )
  const frozen = e('CertificateFrozen', { certificateNumber: N, periodId: '2024', frozenOn: '2024-09-01', balanceWithdrawn: 776000 })
  given(t, certificateDecider, [issued, active, ...financing, frozen])
    .when(reserve)
    .refuses('certificate_frozen')
})

t.test('certificate: freeze and unfreeze', async (t) => {
  const frozen = e('CertificateFrozen', { certificateNumber: N, periodId: '2024', frozenOn: '2024-09-01', balanceWithdrawn: 776000 })
  given(t, certificateDecider, [issued, active, ...financing])
    .when({ type: 'FreezeCertificate', periodId: '2024', on: '2024-09-01' })
    .then([frozen], 'balance to zero, remembered')
  given(t, certificateDecider, [issued, active, ...financing, reserved])
    .when({ type: 'FreezeCertificate', periodId: '2024', on: '2024-11-01' })
    .refuses('certificate_has_running_contracts')
  given(t, certificateDecider, [issued, active, ...financing, frozen])
    .when({ type: 'FreezeCertificate', periodId: '2024', on: '2024-11-01' })
    .refuses('certificate_already_frozen')
  given(t, certificateDecider, [issued, active, ...financing, frozen])
    .when({ type: 'UnfreezeCertificate', periodId: '2024', on: '2024-12-01', nominal: 776000 })
    .refuses('unfreeze_in_same_period')
  given(t, certificateDecider, [issued, active, ...financing, frozen])
    .when({ type: 'UnfreezeCertificate', periodId: '2025', on: '2025-09-01', nominal: 800000 })
    .then([
      e('CertificateUnfrozen', { certificateNumber: N, periodId: '2025', unfrozenOn: '2025-09-01' }),
      e('NominalCredited', { certificateNumber: N, periodId: '2025', amount: 800000, creditedOn: '2025-09-01' }),
    ])
  given(t, certificateDecider, [issued, active])
    .when({ type: 'UnfreezeCertificate', periodId: '2025', on: '2025-09-01', nominal: 1 })
    .refuses('certificate_not_frozen')
})

const G = 'group-1'
const groupOpened = e('GroupOpened', {
  groupId: G,
  programmeId: 'prog-1',
  providerId: 'prov-1',
  municipality: M,
  startDate: '2024-09-01',
  endDate: '2025-05-31',
  price: 900000,
  normativeCost: 700000,
  capacity: 2,
})
const openGroup = { type: 'OpenGroup' as const, ...groupOpened.data } as never

t.test('group: price limit, capacity and one contract per child', async (t) => {
  given(t, groupDecider, []).when(openGroup).then([groupOpened])
  given(t, groupDecider, [])
    .when({ ...(groupOpened.data as object), type: 'OpenGroup', price: 1050000, normativeCost: 700000 } as never)
    .then([e('GroupOpened', { ...groupOpened.data, price: 1050000 } as never)], 'exactly 150 % is allowed')
  given(t, groupDecider, [])
    .when({ ...(groupOpened.data as object), type: 'OpenGroup', price: 1050001, normativeCost: 700000 } as never)
    .refuses('price_above_limit', 'one kopeck above 150 %')
  given(t, groupDecider, [groupOpened]).when(openGroup).refuses('group_already_opened')
  const taken = (c: string, n: string) => e('GroupPlaceTaken', { groupId: G, contractId: c, certificateNumber: n, takenOn: '2024-09-20' })
  const c1 = '00000000-0000-4000-8000-00000000000a'
  const c2 = '00000000-0000-4000-8000-00000000000b'
  const c3 = '00000000-0000-4000-8000-00000000000c'
  given(t, groupDecider, [groupOpened])
    .when({ type: 'TakeGroupPlace', contractId: c1, certificateNumber: 'A000000001', on: '2024-09-20' })
    .then([taken(c1, 'A000000001')])
  given(t, groupDecider, [groupOpened, taken(c1, 'A000000001')])
    .when({ type: 'TakeGroupPlace', contractId: c2, certificateNumber: 'A000000001', on: '2024-09-20' })
    .refuses('duplicate_contract')
  given(t, groupDecider, [groupOpened, taken(c1, 'A000000001'), taken(c2, 'A000000002')])
    .when({ type: 'TakeGroupPlace', contractId: c3, certificateNumber: 'A000000003', on: '2024-09-20' })
    .refuses('group_full')
  const released = e('GroupPlaceReleased', { groupId: G, contractId: c1, releasedOn: '2024-10-01', reason: 'refused' })
  given(t, groupDecider, [groupOpened, taken(c1, 'A000000001'), taken(c2, 'A000000002'), released])
    .when({ type: 'TakeGroupPlace', contractId: c3, certificateNumber: 'A000000001', on: '2024-09-20' })
    .then([taken(c3, 'A000000001')], 'a released place is free again, for the same child too')
})

const request = {
  contractId: CID,
  certificateNumber: N,
  groupId: G,
  programmeId: 'prog-1',
  providerId: 'prov-1',
  municipality: M,
  periodId: '2024',
  payerId: 'payer-1',
  kind: 'financing' as const,
  direction: 'technical' as const,
  requestedOn: '2024-10-01',
  startDate: '2024-10-15',
  endDate: '2025-05-31',
  quote: {
    days: 229,
    months: 8,
    all: 754946,
    normative: 587180,
    certificate: 587180,
    parent: 167766,
    certificateFirstMonth: 43595,
    certificateOtherMonth: 77655,
    parentFirstMonth: 12457,
    parentOtherMonth: 22187,
  },
  schedule: ['2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05'].map((month, i) => ({
    month,
    certificate: i === 0 ? 43595 : 77655,
    parent: i === 0 ? 12457 : 22187,
  })),
}
const requestedEvent = e('ContractRequested', request)
const acceptedEvent = e('ContractAccepted', { contractId: CID, certificateNumber: N, acceptedOn: '2024-10-02' })

t.test('contract: lifecycle', async (t) => {
  given(t, contractDecider, []).when({ type: 'RecordContractRequest', request }).then([requestedEvent])
  given(t, contractDecider, [requestedEvent]).when({ type: 'RecordContractRequest', request }).refuses('contract_already_requested')
  given(t, contractDecider, [requestedEvent]).when({ type: 'AcceptContract', acceptedOn: '2024-10-02' }).then([acceptedEvent])
  given(t, contractDecider, [requestedEvent, acceptedEvent]).when({ type: 'AcceptContract', acceptedOn: '2024-10-03' }).refuses('contract_already_accepted')
  given(t, contractDecider, [requestedEvent])
    .when({ type: 'RefuseContract', refusedOn: '2024-10-02', by: 'provider', reason: 'no room' })
    .then(
      [e('ContractRefused', { contractId: CID, certificateNumber: N, refusedOn: '2024-10-02', by: 'provider', reason: 'no room', released: 587180 })],
      'the whole reservation returns',
    )
  given(t, contractDecider, [requestedEvent, acceptedEvent])
    .when({ type: 'RefuseContract', refusedOn: '2024-10-02', by: 'provider', reason: 'x' })
    .refuses('contract_not_requested')
  given(t, contractDecider, [requestedEvent])
    .when({ type: 'TerminateContract', terminatedOn: '2024-12-10', by: 'parent', reason: 'moved' })
    .refuses('contract_not_running')
  // Terminated in January: February..May (4 × 776.55 = 3 106.20) return; January stays payable.
  given(t, contractDecider, [requestedEvent, acceptedEvent])
    .when({ type: 'TerminateContract', terminatedOn: '2025-01-20', by: 'parent', reason: 'moved' })
    .then([
      e('ContractTerminated', {
        contractId: CID,
        certificateNumber: N,
        terminatedOn: '2025-01-20',
        by: 'parent',
        reason: 'moved',
        lastMonth: '2025-01',
        closesOn: '2025-01-31',
        released: 4 * 77655,
      }),
    ])
  given(t, contractDecider, [requestedEvent, acceptedEvent])
    .when({ type: 'TerminateContract', terminatedOn: '2024-10-05', by: 'parent', reason: 'changed mind' })
    .then(
      [
        e('ContractTerminated', {
          contractId: CID,
          certificateNumber: N,
          terminatedOn: '2024-10-05',
          by: 'parent',
          reason: 'changed mind',
          lastMonth: '2024-09',
          closesOn: '2024-10-05',
          released: 587180,
        }),
      ],
      'before the start: everything returns, closes that day',
    )
  given(t, contractDecider, [requestedEvent, acceptedEvent])
    .when({ type: 'TerminateContract', terminatedOn: '2025-06-01', by: 'parent', reason: 'x' })
    .refuses('termination_date_invalid')
  const terminated = e('ContractTerminated', {
    contractId: CID,
    certificateNumber: N,
    terminatedOn: '2025-01-20',
    by: 'parent',
    reason: 'moved',
    lastMonth: '2025-01',
    closesOn: '2025-01-31',
    released: 310620,
  })
  given(t, contractDecider, [requestedEvent, acceptedEvent, terminated])
    .when({ type: 'CloseContract', closedOn: '2025-01-30' })
    .refuses('contract_not_running', 'not before the end of the month')
  given(t, contractDecider, [requestedEvent, acceptedEvent, terminated])
    .when({ type: 'CloseContract', closedOn: '2025-02-01' })
    .then([e('ContractClosed', { contractId: CID, certificateNumber: N, closedOn: '2025-02-01', reason: 'terminated' })])
  given(t, contractDecider, [requestedEvent, acceptedEvent])
    .when({ type: 'CloseContract', closedOn: '2025-05-31' })
    .then([e('ContractClosed', { contractId: CID, certificateNumber: N, closedOn: '2025-05-31', reason: 'ended' })])
})

t.test('enrolment rules checked before anything is written', async (t) => {
  const ctx = (over: { certificate?: unknown[]; group?: unknown[]; programme?: unknown[]; provider?: unknown[]; municipality?: unknown[] } = {}) => ({
    certificate: fold(certificateDecider, (over.certificate ?? [issued, active, ...financing]) as never),
    group: fold(groupDecider, (over.group ?? [groupOpened]) as never),
    programme: fold(
      programmeDecider,
      (over.programme ?? [
        e('ProgrammeRegistered', {
          programmeId: 'prog-1',
          providerId: 'prov-1',
          municipality: M,
          title: 'Robotics',
          direction: 'technical',
          kind: 'financing',
        }),
        e('ProgrammeQualityAssessed', { programmeId: 'prog-1', score: 30, assessedOn: '2024-06-01', certified: true }),
      ]) as never,
    ),
    provider: fold(
      providerDecider,
      (over.provider ?? [
        e('ProviderRegistered', { providerId: 'prov-1', municipality: M, name: 'Centre', kind: 'private' }),
        e('ProviderAgreementConcluded', { providerId: 'prov-1', payerId: 'payer-1', municipality: M, periodId: '2024', concludedOn: '2024-08-01' }),
      ]) as never,
    ),
    municipality: fold(municipalityDecider, (over.municipality ?? [opened]) as never),
  })
  const input = { contractId: CID, certificateNumber: N, groupId: G, requestedOn: '2024-10-01', startDate: '2024-10-15' }
  const refused = (code: string, f: () => unknown, message: string) => {
    try {
      f()
      t.fail(`${message}: not refused`)
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      t.equal(error.code, code, message)
    }
  }
  const plan = planContractRequest(input, ctx())
  t.match(plan, { periodId: '2024', payerId: 'payer-1', endDate: '2025-05-31' }, 'a valid request is planned')
  refused('certificate_not_active', () => planContractRequest(input, ctx({ certificate: [issued] })), 'certificate not active')
  refused(
    'certificate_frozen',
    () =>
      planContractRequest(
        input,
        ctx({
          certificate: [
            issued,
            active,
            ...financing,
            e('CertificateFrozen', { certificateNumber: N, periodId: '2024', frozenOn: '2024-09-01', balanceWithdrawn: 776000 }),
          ],
        }),
      ),
    'certificate frozen',
  )
  refused(
    'programme_not_certified',
    () =>
      planContractRequest(
        input,
        ctx({
          programme: [
            e('ProgrammeRegistered', {
              programmeId: 'prog-1',
              providerId: 'prov-1',
              municipality: M,
              title: 'Robotics',
              direction: 'technical',
              kind: 'financing',
            }),
            e('ProgrammeQualityAssessed', { programmeId: 'prog-1', score: 29, assessedOn: '2024-06-01', certified: false }),
          ],
        }),
      ),
    '29 points do not certify',
  )
  refused(
    'no_agreement',
    () => planContractRequest(input, ctx({ provider: [e('ProviderRegistered', { providerId: 'prov-1', municipality: M, name: 'Centre', kind: 'private' })] })),
    'no agreement with the payer',
  )
  refused('start_outside_group', () => planContractRequest({ ...input, startDate: '2025-06-01', requestedOn: '2025-06-01' }, ctx()), 'start after the group')
  refused('backdated_request', () => planContractRequest({ ...input, requestedOn: '2024-11-01' }, ctx()), 'starts in a month before the request')
  refused('start_outside_period', () => planContractRequest(input, ctx({ municipality: [] })), 'no period contains the start')
  refused(
    'wrong_municipality',
    () => planContractRequest(input, ctx({ certificate: [e('CertificateIssued', { ...issued.data, municipality: 'elsewhere' } as never), active] })),
    'certificate of another municipality',
  )
  const budget = planContractRequest(
    input,
    ctx({
      programme: [
        e('ProgrammeRegistered', { programmeId: 'prog-1', providerId: 'prov-1', municipality: M, title: 'Choir', direction: 'artistic', kind: 'budget' }),
      ],
      provider: [e('ProviderRegistered', { providerId: 'prov-1', municipality: M, name: 'School', kind: 'municipal' })],
    }),
  )
  t.equal(budget.payerId, null, 'a budget programme needs neither certification nor agreement')
})
