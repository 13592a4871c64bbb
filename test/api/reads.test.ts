import ExcelJS from 'exceljs'
import t, { type Test } from 'tap'
import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import { buildServer } from '../../src/api/server.ts'
import { Application } from '../../src/app/context.ts'
import { acceptContract, requestContract } from '../../src/app/contracts.ts'
import { recordPopulation } from '../../src/app/registry.ts'
import { createToken } from '../../src/auth/tokens.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { wholeLog } from '../helpers/invariants.ts'
import { activeCertificate, ctx, smallWorld } from '../helpers/world.ts'

async function setup(t: Test) {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const ledger = new Application(store)
  const runner = new ProjectionRunner(db.sql, store, PROJECTIONS, { idleMs: 20 })
  const app = await buildServer({ db, store, ledger, runner, timeZone: 'Europe/Moscow' })
  runner.start()
  t.teardown(async () => {
    await app.close()
    await runner.stop()
  })
  const bearer = async (role: 'operator' | 'payer' | 'provider' | 'auditor' | 'reporting', scope: { providerId?: string; payerId?: string } = {}) => ({
    authorization: `Bearer ${(await createToken(db.sql, { role, ...scope })).token}`,
  })
  await smallWorld(ledger)
  await recordPopulation(ledger, ctx(), { municipality: 'tambov-district', year: 2024, children5to18: 3750 })
  return { db, store, ledger, app, bearer, runner }
}

t.test('read your writes: a command returns its position, a read waits for it and says how current it is', async (t) => {
  const { app, bearer } = await setup(t)
  const operator = await bearer('operator')
  const issued = await app.inject({
    method: 'POST',
    url: '/v1/certificates',
    headers: operator,
    payload: { certificateNumber: 'R000000001', municipality: 'tambov-district', birthDate: '2014-05-05', issuedOn: '2024-09-02', type: 'financing' },
  })
  t.equal(issued.statusCode, 201)
  const position = issued.headers['x-ledger-position'] as string
  t.match(position, /^\d+$/, 'the command says where its events are')
  const read = await app.inject({ url: `/v1/certificates/R000000001?minPosition=${position}`, headers: await bearer('reporting') })
  t.equal(read.statusCode, 200)
  const body = read.json()
  t.ok(BigInt(body.position) >= BigInt(position), 'current to at least that position')
  t.equal(read.headers['x-ledger-current-position'], body.position)
  t.match(body, { type: 'financing', status: 'issued', periods: [{ periodId: '2024', nominal: '7760.00', reserved: '0.00', balance: '7760.00' }] })

  const tooFar = await app.inject({ url: '/v1/certificates/R000000001?minPosition=999999', headers: await bearer('reporting') })
  t.equal(tooFar.statusCode, 503, 'a position never reached')
  t.equal(tooFar.json().code, 'projection_behind')
})

t.test('roles and scopes of reads', async (t) => {
  const { app, bearer, ledger, db } = await setup(t)
  const { number } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  const wait = `minPosition=${(await wholeLog(ledger.store)).at(-1)!.globalPosition}`

  const own = await bearer('provider', { providerId: 'prov-1' })
  const other = await bearer('provider', { providerId: 'prov-2' })
  t.equal((await app.inject({ url: `/v1/contracts/${c.contractId}?${wait}`, headers: own })).statusCode, 200, 'a provider reads its own contract')
  t.equal((await app.inject({ url: `/v1/contracts/${c.contractId}?${wait}`, headers: other })).statusCode, 404, 'not another provider’s: as if there were none')
  const list = (await app.inject({ url: `/v1/contracts?${wait}`, headers: other })).json()
  t.same(list.items, [], 'a provider’s list holds only its own contracts')
  t.equal((await app.inject({ url: `/v1/certificates/${number}?${wait}`, headers: own })).statusCode, 403, 'providers do not read certificates')
  t.equal((await app.inject({ url: '/v1/providers/prov-2/invoices', headers: own })).statusCode, 404, 'nor another provider’s invoices')
  const invoices = await app.inject({ url: '/v1/providers/prov-1/invoices?month=2024-10', headers: own })
  t.equal(invoices.statusCode, 200)
  t.same(invoices.json().invoices, [], 'no invoices before the first month close')

  const payer = await bearer('payer', { payerId: 'payer-1' })
  const stranger = await bearer('payer', { payerId: 'payer-9' })
  t.equal((await app.inject({ url: `/v1/certificates/${number}?${wait}`, headers: payer })).statusCode, 200, 'the payer reads its municipality')
  t.equal((await app.inject({ url: `/v1/certificates/${number}?${wait}`, headers: stranger })).statusCode, 404, 'another payer does not: as if there were none')
  t.equal((await app.inject({ url: `/v1/municipalities/tambov-district/coverage?date=2024-10-20&${wait}`, headers: stranger })).statusCode, 404)
  // 2018 lies before the municipality's first certificate: the answer says so rather than count nothing.
  const coverage = await app.inject({ url: `/v1/municipalities/tambov-district/coverage?date=2018-06-01&${wait}`, headers: await bearer('reporting') })
  t.equal(coverage.statusCode, 404)
  t.match(coverage.json(), { code: 'no_history_on_date', firstDate: '2024-09-02' })
  const [targets] =
    await db.sql`SELECT target_certificate_share::text AS "targetShare", target_financing_share::text AS "targetFinancingShare", target_milestone::text AS "targetMilestone"
    FROM reporting.municipality_statistics('tambov-district', '2018-06-01')`
  t.match(targets, { targetShare: '0.25', targetFinancingShare: '0.10', targetMilestone: '2018-12-31' }, 'before 2019 the 2018 targets')
})

t.test('asOf and position answer from the log as it was', async (t) => {
  const { app, bearer, ledger, store } = await setup(t)
  const { number } = await activeCertificate(ledger, 1)
  const before = (await wholeLog(store)).at(-1)!.globalPosition
  await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  const auditor = await bearer('auditor')
  const then = (await app.inject({ url: `/v1/certificates/${number}?position=${before}`, headers: auditor })).json()
  t.match(then.periods, [{ reserved: '0.00', balance: '7760.00' }], 'before the request: nothing reserved')
  t.same(then.contracts, [])
  t.equal(then.position, String(before))
  const last = (await wholeLog(store)).at(-1)!.globalPosition
  const now = (await app.inject({ url: `/v1/certificates/${number}?minPosition=${last}`, headers: auditor })).json()
  t.match(now.periods, [{ reserved: '5871.80', balance: '1888.20' }])
  const today = (await app.inject({ url: `/v1/certificates/${number}?asOf=2099-12-31`, headers: auditor })).json()
  t.same({ ...today, position: now.position, asOf: null }, now, 'asOf a later date equals the live answer')
  const never = await app.inject({ url: `/v1/certificates/${number}?asOf=2000-01-01`, headers: auditor })
  t.equal(never.statusCode, 404, 'before it was issued')
})

t.test('coverage defaults to today, says when today finds nobody and which date has data, and comes as CSV and XLSX', async (t) => {
  const { app, bearer, ledger } = await setup(t)
  const { number } = await activeCertificate(ledger, 1)
  const c = await requestContract(ledger, ctx(), { certificateNumber: number, groupId: 'robotics-1', requestedOn: '2024-10-01', startDate: '2024-10-15' })
  await acceptContract(ledger, ctx(), { contractId: c.contractId, acceptedOn: '2024-10-02' })
  const wait = `minPosition=${(await wholeLog(ledger.store)).at(-1)!.globalPosition}`
  const reporting = await bearer('reporting')
  const url = `/v1/municipalities/tambov-district/coverage?${wait}`

  // The one contract runs from 2024-10-15 to the group's end, 2025-05-31; today lies after it.
  const today = await app.inject({ url, headers: reporting })
  t.equal(today.statusCode, 200, today.body)
  const now = today.json()
  t.equal(now.date, new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date()), 'no date: today in the ledger’s time zone')
  t.match(now, { dateDefaulted: true, childrenEnrolled: 0, lastDateWithData: '2025-05-31' })
  t.match(now.note, /nobody is enrolled today .*2025-05-31/, 'the answer says so and names the date with data')

  const onDate = (await app.inject({ url: `${url}&date=2024-11-01`, headers: reporting })).json()
  t.match(onDate, { dateDefaulted: false, childrenEnrolled: 1, note: null, population: 3750 }, 'one child on a date within the contract')
  t.match(onDate.byDirection, [{ key: 'technical', children: 1 }])

  const csv = await app.inject({ url: `${url}&date=2024-11-01&format=csv`, headers: reporting })
  t.match(csv.headers['content-type'], /^text\/csv/)
  const lines = csv.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
  t.match(lines[0], /^Охват детей .*tambov-district на 01\.11\.2024, детей 5–18 лет: 3750$/)
  t.equal(lines[1], 'Разрез;Значение;Детей;Доля от детей 5–18 лет')
  // 1 child of 3 750: 0.000266… rounds to 0.0003 in four decimals.
  t.equal(lines[2], 'Всего;уникальных детей;1;0,0003')
  t.ok(lines.includes('Направленность;technical;1;0,0003'), 'each breakdown is a row')

  const xlsx = await app.inject({ url: `${url}&date=2024-11-01&format=xlsx`, headers: reporting })
  t.match(xlsx.headers['content-type'], /spreadsheetml/)
  const book = new ExcelJS.Workbook()
  await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
  const row = book.getWorksheet('Охват')!.getRow(3)
  t.same([row.getCell(1).value, row.getCell(3).value, row.getCell(4).value], ['Всего', 1, 0.0003], 'the workbook holds the same figures')
})
