import t, { type Test } from 'tap'
import { Application } from '../../src/app/context.ts'
import { organisationLookup, organisationOn } from '../../src/app/organisations.ts'
import { changeRequisites, openFinancingPeriod, registerPayer, registerProvider } from '../../src/app/registry.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { missingRequisites } from '../../src/domain/organisation.ts'
import { MemoryEventStore } from '../../src/store/memory/memory-event-store.ts'
import { OTHER_BANK, validRequisites } from '../helpers/requisites.ts'
import { ctx } from '../helpers/world.ts'

const setup = () => {
  const store = new MemoryEventStore()
  return { store, app: new Application(store) }
}

const refusal = async (t: Test, p: Promise<unknown>, code: string, field?: string) => {
  try {
    await p
    t.fail(`expected ${code}`)
  } catch (error) {
    if (!(error instanceof DomainError)) throw error
    t.equal(error.code, code)
    if (field) t.equal(error.details.field, field, `names ${field}`)
  }
}

t.test('requisites changed on a date: a lookup before sees the old ones, on and after it the new', async (t) => {
  const { app } = setup()
  const before = validRequisites(1)
  await registerPayer(app, ctx(), { payerId: 'payer-1', municipality: 'tambov', name: 'Управление образования', requisites: before })
  const moved = validRequisites(2, OTHER_BANK)
  const patch = { settlementAccount: moved.settlementAccount, bik: moved.bik, bankName: moved.bankName, correspondentAccount: moved.correspondentAccount }
  await changeRequisites(app, ctx(), { kind: 'payer', organisationId: 'payer-1', effectiveOn: '2025-01-01', requisites: patch })
  const lookup = organisationLookup(app)
  t.same((await lookup('payer', 'payer-1', '2001-01-01'))?.requisites, before, 'registration counts from the beginning of history')
  t.same((await lookup('payer', 'payer-1', '2024-12-31'))?.requisites, before, 'the day before: the old bank')
  t.same((await lookup('payer', 'payer-1', '2025-01-01'))?.requisites, { ...before, ...patch }, 'the day itself: the new bank')
  t.same((await lookup('payer', 'payer-1', '2025-06-30'))?.requisites, { ...before, ...patch })
  const found = await lookup('payer', 'payer-1', '2025-01-01')
  t.equal(found?.name, 'Управление образования')
  t.equal(found?.kind, 'payer')
  t.same(missingRequisites(found!), [])
})

t.test('a change dated before a later one: each date reads the set recorded for it', async (t) => {
  const { app } = setup()
  await registerPayer(app, ctx(), { payerId: 'p', municipality: 'm', name: 'P', requisites: validRequisites(1) })
  await changeRequisites(app, ctx(), { kind: 'payer', organisationId: 'p', effectiveOn: '2025-03-01', requisites: { headName: 'Петров Пётр Петрович' } })
  await changeRequisites(app, ctx(), { kind: 'payer', organisationId: 'p', effectiveOn: '2025-02-01', requisites: { headTitle: 'Начальник управления' } })
  const on = async (d: string) => (await organisationOn(app, 'payer', 'p', d))!.requisites
  t.equal((await on('2025-01-31')).headTitle, 'Директор')
  t.equal((await on('2025-02-01')).headTitle, 'Начальник управления')
  t.equal((await on('2025-02-01')).headName, 'Иванова Мария Петровна')
  t.equal((await on('2025-03-01')).headName, 'Петров Пётр Петрович')
  t.equal((await on('2025-03-01')).headTitle, 'Директор', 'the set recorded for 1 March was whole when it was recorded')
})

t.test('a provider registered with its name alone, its requisites added later', async (t) => {
  const { app, store } = setup()
  await registerProvider(app, ctx(), { providerId: 'prov-1', municipality: 'm', name: 'ЦДТ', kind: 'municipal' })
  const [registered] = await store.readStream('provider-prov-1')
  t.notOk('requisites' in (registered!.data as object), 'no requisites field when none were given')
  const bare = await organisationOn(app, 'provider', 'prov-1', '2024-09-01')
  t.same(bare, { kind: 'provider', id: 'prov-1', name: 'ЦДТ', requisites: {} })
  t.ok(missingRequisites(bare!).includes('inn'))
  await changeRequisites(app, ctx(), { kind: 'provider', organisationId: 'prov-1', effectiveOn: '2024-10-01', requisites: validRequisites(3) })
  t.same((await organisationOn(app, 'provider', 'prov-1', '2024-09-30'))!.requisites, {})
  t.same((await organisationOn(app, 'provider', 'prov-1', '2024-10-01'))!.requisites, validRequisites(3))
  // null removes a field: the entrepreneur who has no КПП.
  await changeRequisites(app, ctx(), { kind: 'provider', organisationId: 'prov-1', effectiveOn: '2024-11-01', requisites: { kpp: null } })
  t.notOk('kpp' in (await organisationOn(app, 'provider', 'prov-1', '2024-11-01'))!.requisites)
})

t.test('bad values are refused naming the field, and nothing is recorded', async (t) => {
  const { app, store } = setup()
  const good = validRequisites(1)
  await refusal(
    t,
    registerPayer(app, ctx(), { payerId: 'p', municipality: 'm', name: 'P', requisites: { ...good, inn: '6800000010' } }),
    'requisites_invalid',
    'requisites.inn',
  )
  t.equal(await store.streamVersion('payer-p'), null, 'no payer recorded')
  await refusal(
    t,
    registerProvider(app, ctx(), { providerId: 'x', municipality: 'm', name: 'X', kind: 'private', requisites: { ogrn: '1026800000001' } }),
    'requisites_invalid',
    'requisites.ogrn',
  )
  await registerPayer(app, ctx(), { payerId: 'p', municipality: 'm', name: 'P', requisites: good })
  // A new БИК alone: the accounts in force no longer agree with it.
  await refusal(
    t,
    changeRequisites(app, ctx(), { kind: 'payer', organisationId: 'p', effectiveOn: '2025-01-01', requisites: { bik: OTHER_BANK } }),
    'requisites_invalid',
    'requisites.settlementAccount',
  )
  await refusal(
    t,
    changeRequisites(app, ctx(), { kind: 'payer', organisationId: 'p', effectiveOn: '2025-01-01', requisites: { inn: good.inn } }),
    'requisites_unchanged',
  )
  await refusal(
    t,
    changeRequisites(app, ctx(), { kind: 'payer', organisationId: 'nobody', effectiveOn: '2025-01-01', requisites: { inn: good.inn } }),
    'payer_not_found',
  )
  await refusal(t, registerPayer(app, ctx(), { payerId: 'p', municipality: 'm', name: 'P again' }), 'payer_already_registered')
  t.equal(await store.streamVersion('payer-p'), 0, 'only the registration is in the stream')
})

t.test('a period may name a payer the registry does not know; the lookup does not invent one', async (t) => {
  const { app } = setup()
  await openFinancingPeriod(app, ctx(), {
    municipality: 'm',
    periodId: '2024',
    startDate: '2024-09-01',
    endDate: '2025-08-31',
    nominal: 100,
    financingCap: 1,
    nominalLimit: null,
    payerId: 'later-payer',
  })
  t.equal(await organisationOn(app, 'payer', 'later-payer', '2024-09-01'), undefined)
  t.equal(await organisationOn(app, 'provider', 'no such id!', '2024-09-01'), undefined, 'an id no stream can have')
  await registerPayer(app, ctx(), { payerId: 'later-payer', municipality: 'm', name: 'Registered afterwards' })
  t.equal((await organisationOn(app, 'payer', 'later-payer', '2024-09-01'))?.name, 'Registered afterwards')
})
