import t from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionReader } from '../../projections/read.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { buildServer } from '../../src/api/server.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { closeMonth } from '../../src/app/month-close.ts'
import { recordPayment } from '../../src/app/payments.ts'
import { changeRequisites, openFinancingPeriod, openGroup, registerPayer, registerProvider } from '../../src/app/registry.ts'
import { createToken, type Role } from '../../src/auth/tokens.ts'
import { invoiceIds } from '../../src/domain/invoice.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { validRequisites } from '../helpers/requisites.ts'
import { activeCertificate, ctx, MUNICIPALITY, smallWorld } from '../helpers/world.ts'

// Issue 15's missing lists. The figures come from domain.md's formulas, computed here: a group 2024-09-01..2025-05-31
// at price = normative = 6 000.00, a contract from 2024-09-09 (G = 273, D = 265, d1 = 22, 9 months): the certificate
// pays ceil(265 × 600000 / 273) = 582 418, each later month floor(243 × 582418 / (265 × 8)) = 66 758 and an advance
// 80 % of that, half-up: 53 406; September (no advance: the contract began after August's close) 582 418 − 8 × 66 758.

const days = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1
const cert = Math.ceil((days('2024-09-09', '2025-05-31') * 600000) / days('2024-09-01', '2025-05-31'))
const other = Math.floor((243 * cert) / (265 * 8))
const advance = Math.floor((other * 80 * 2 + 100) / 200)
const first = cert - 8 * other
const rub = (k: number) => (k / 100).toFixed(2)

t.test('lists: organisations, municipalities, payments of an invoice and of a month, unpaid and overdue on a date', async (t) => {
  t.same([cert, other, advance, first], [582418, 66758, 53406, 48354], 'the figures by the formulas')
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS, { idleMs: 20 })
  const app = await buildServer({ db, store, ledger, runner })
  runner.start()
  t.teardown(async () => {
    await app.close()
    await runner.stop()
  })
  await smallWorld(ledger)
  await registerPayer(ledger, ctx(), { payerId: 'payer-1', municipality: MUNICIPALITY, name: 'Управление образования', requisites: validRequisites(1) })
  await registerProvider(ledger, ctx(), { providerId: 'prov-2', municipality: MUNICIPALITY, name: 'Студия', kind: 'private', requisites: validRequisites(2) })
  await openFinancingPeriod(ledger, ctx(), {
    municipality: 'other-town',
    periodId: '2024',
    startDate: '2024-09-01',
    endDate: '2025-08-31',
    nominal: 100000,
    financingCap: 10,
    nominalLimit: null,
    payerId: 'later-payer',
  })
  await openGroup(ledger, ctx(), {
    groupId: 'flat-1',
    programmeId: 'robotics',
    startDate: '2024-09-01',
    endDate: '2025-05-31',
    price: 600000,
    normativeCost: 600000,
    capacity: 5,
  })
  const { number } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'flat-1', requestedOn: '2024-09-03', startDate: '2024-09-09' })
  await acceptContract(ledger, ctx(), { contractId: c.contractId, acceptedOn: '2024-09-05' })
  const openIds = (m: string) => new ProjectionReader(db.sql, store).contracts.openIds(m)
  await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-09', closedOn: '2024-10-01' }, openIds)
  const sepFinal = invoiceIds.final(MUNICIPALITY, 'payer-1', 'prov-1', '2024-09')
  const octAdvance = invoiceIds.advance(MUNICIPALITY, 'payer-1', 'prov-1', '2024-10')
  await recordPayment(ledger, ctx(), { invoiceId: octAdvance, amount: 27007, paidOn: '2024-10-05', paymentOrder: '17' })
  const oct = await closeMonth(ledger, ctx(), { municipality: MUNICIPALITY, month: '2024-10', closedOn: '2024-11-01' }, openIds)
  const octFinal = oct.finalInvoices[0]!
  const novAdvance = invoiceIds.advance(MUNICIPALITY, 'payer-1', 'prov-1', '2024-11')
  await runner.catchUp()

  const bearer = async (role: Role, scope: { payerId?: string; providerId?: string } = {}) => ({
    authorization: `Bearer ${(await createToken(db.sql, { role, ...scope })).token}`,
  })
  const operator = await bearer('operator')
  const payer = await bearer('payer', { payerId: 'payer-1' })
  const otherPayer = await bearer('payer', { payerId: 'later-payer' })
  const provider = await bearer('provider', { providerId: 'prov-1' })
  const get = async (url: string, headers = operator) => {
    const r = await app.inject({ url, headers })
    return { status: r.statusCode, body: r.json() }
  }

  // Providers and payers.
  const providers = (await get(`/v1/providers?municipality=${MUNICIPALITY}`)).body.providers
  t.same(
    providers.map((p: Record<string, string>) => [p.providerId, p.name, p.inn]),
    [
      ['prov-1', 'Центр детского творчества', null],
      ['prov-2', 'Студия', validRequisites(2).inn],
    ],
  )
  t.same(
    (await get('/v1/providers', provider)).body.providers.map((p: { providerId: string }) => p.providerId),
    ['prov-1'],
    'a provider sees itself',
  )
  const payers = (await get('/v1/payers')).body.payers
  t.same(
    payers.map((p: Record<string, unknown>) => [p.payerId, p.name, p.registered, p.periods]),
    [
      ['later-payer', null, false, [{ municipality: 'other-town', periodId: '2024' }]],
      ['payer-1', 'Управление образования', true, [{ municipality: MUNICIPALITY, periodId: '2024' }]],
    ],
    'a payer a period names before it is registered is listed, unregistered',
  )
  t.same(
    (await get('/v1/payers', otherPayer)).body.payers.map((p: { payerId: string }) => p.payerId),
    ['later-payer'],
    'a payer sees itself',
  )
  const badQuery = await get('/v1/payers?on=2024-13-01')
  t.same([badQuery.status, badQuery.body.code], [400, 'validation_failed'])

  // Municipalities.
  t.same(
    (await get('/v1/municipalities')).body.municipalities.map((m: { municipality: string }) => m.municipality),
    ['other-town', MUNICIPALITY],
  )
  t.same(
    (await get('/v1/municipalities', payer)).body.municipalities.map((m: { municipality: string }) => m.municipality),
    [MUNICIPALITY],
  )
  t.equal((await get('/v1/municipalities', provider)).status, 403, 'not a provider’s list')

  // Payments of an invoice and of a month, with names.
  const ofInvoice = await get(`/v1/invoices/${octAdvance}/payments`, payer)
  t.equal(ofInvoice.status, 200)
  t.match(ofInvoice.body.payments, [
    { amount: '270.07', paidOn: '2024-10-05', paymentOrder: '17', payerName: 'Управление образования', providerName: 'Центр детского творчества' },
  ])
  t.same((await get(`/v1/invoices/${octAdvance}/payments`, otherPayer)).body.code, 'invoice_not_found', "another payer's invoice answers as missing")
  t.same((await get('/v1/invoices/advance-nowhere/payments', payer)).body.code, 'invoice_not_found')
  const october = (await get(`/v1/municipalities/${MUNICIPALITY}/payments?month=2024-10`, payer)).body
  t.same([october.payments.length, october.total], [1, '270.07'])
  t.same((await get(`/v1/municipalities/${MUNICIPALITY}/payments?month=2024-11`)).body.payments, [])
  t.equal((await get(`/v1/municipalities/${MUNICIPALITY}/payments?month=2024-10`, otherPayer)).status, 404, 'not its municipality')

  // Names where ids are: the reconciliation.
  const rec = (await get(`/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10`, payer)).body
  t.match(rec.providers, [{ providerId: 'prov-1', providerName: 'Центр детского творчества', payerId: 'payer-1', payerName: 'Управление образования' }])
  const csv = await app.inject({ url: `/v1/reconciliation?municipality=${MUNICIPALITY}&month=2024-10&format=csv`, headers: payer })
  t.match(csv.body.split('\r\n')[1], /^prov-1;Центр детского творчества;payer-1;Управление образования;/)

  const invoices = (await get('/v1/providers/prov-1/invoices?month=2024-10', payer)).body.invoices
  t.match(invoices[0], { payerName: 'Управление образования', providerName: 'Центр детского творчества' }, 'invoices name both parties')

  // Unpaid and overdue on dates: September's final and October's advance (issued on 1 October) are due by 10 October; the October final and the November
  // advance (both issued on 1 November) by 10 November; the October advance is deducted on 1 November.
  const unpaid = async (on: string) => {
    const r = await get(`/v1/municipalities/${MUNICIPALITY}/unpaid-invoices?on=${on}`, payer)
    t.equal(r.status, 200, JSON.stringify(r.body))
    return r.body
  }
  const brief = (b: { invoices: Record<string, unknown>[] }) => b.invoices.map((i) => [i.invoiceId, i.outstanding, i.deadline, i.overdue])
  const sep = (overdue: boolean) => [sepFinal, rub(first), '2024-10-10', overdue]
  t.same(brief(await unpaid('2024-10-04')), [sep(false), [octAdvance, rub(advance), '2024-10-10', false]], 'before the payment')
  t.same(brief(await unpaid('2024-10-05')), [sep(false), [octAdvance, rub(advance - 27007), '2024-10-10', false]], 'after it')
  const late = await unpaid('2024-10-11')
  t.same(brief(late), [sep(true), [octAdvance, rub(advance - 27007), '2024-10-10', true]], 'past the 10th: overdue')
  t.equal(late.overdueOutstanding, rub(first + advance - 27007))
  const november = await unpaid('2024-11-01')
  t.same(
    brief(november),
    [sep(true), [octFinal, rub(other - 27007), '2024-11-10', false], [novAdvance, rub(advance), '2024-11-10', false]],
    'the deducted advance owes nothing; the final owes the month less what was paid of the advance',
  )
  t.equal(november.outstanding, rub(first + other - 27007 + advance))
  t.equal(november.overdueOutstanding, rub(first))
  t.equal(november.invoices[0].providerName, 'Центр детского творчества')
  const overdueOnly = await get(`/v1/municipalities/${MUNICIPALITY}/unpaid-invoices?on=2024-11-11&overdue=true`, payer)
  t.same(overdueOnly.body.invoices.length, 3)
  t.equal(overdueOnly.body.overdueOutstanding, rub(first + other - 27007 + advance))
  t.same((await unpaid('2024-09-30')).invoices, [], 'nothing issued yet')
  t.equal((await get(`/v1/municipalities/${MUNICIPALITY}/unpaid-invoices`)).status, 400, 'the date is required')

  // The documents read the registry's requisites by default: refused while the provider has none, printed once it has.
  const pdf = () => app.inject({ url: `/v1/invoices/${octFinal}/document?format=pdf`, headers: payer })
  const refused = await pdf()
  t.same([refused.statusCode, refused.json().code], [422, 'requisites_incomplete'])
  t.match(refused.json().missing, [{ party: 'provider', id: 'prov-1' }], 'the payer registered its requisites; the provider lacks them')
  await changeRequisites(ledger, ctx(), { kind: 'provider', organisationId: 'prov-1', effectiveOn: '2024-09-01', requisites: validRequisites(3) })
  const printed = await pdf()
  t.equal(printed.statusCode, 200, printed.body.slice(0, 300))
  t.match(printed.headers['content-type'], /^application\/pdf/)

  // Documented where a generated client looks.
  const openapi = (await get('/openapi.json')).body
  for (const path of [
    '/v1/providers',
    '/v1/payers',
    '/v1/payers/{payerId}',
    '/v1/payers/{payerId}/requisites',
    '/v1/providers/{providerId}/requisites',
    '/v1/municipalities',
    '/v1/invoices/{invoiceId}/payments',
    '/v1/municipalities/{municipality}/payments',
    '/v1/municipalities/{municipality}/unpaid-invoices',
  ])
    t.ok(openapi.paths[path], `${path} in /openapi.json`)
  const on = openapi.paths['/v1/municipalities/{municipality}/unpaid-invoices'].get.parameters.find((p: { name: string }) => p.name === 'on')
  t.equal(on?.required, true, 'its date parameter, required')
})
