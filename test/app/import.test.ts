import t from 'tap'
import { Application } from '../../src/app/context.ts'
import { importFile } from '../../src/app/import.ts'
import { openFinancingPeriod } from '../../src/app/registry.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { testDatabase } from '../helpers/database.ts'
import { figures, wholeLog } from '../helpers/invariants.ts'
import { ctx } from '../helpers/world.ts'

const providers = `provider_id;municipality;name;kind
cdt;tambov;"Центр детского творчества; филиал";municipal
sport;tambov;ДЮСШ;municipal
`
const programmes = `programme_id;provider_id;title;direction;kind;nok_score;assessed_on
robotics;cdt;Робототехника;technical;financing;42;2024-06-01
chess;sport;Шахматы;physical-culture-and-sports;financing;12;2024-06-01
choir;cdt;Хор;artistic;budget;;
ghost;nobody;Нет поставщика;artistic;budget;;
`
const groups = `group_id,programme_id,start_date,end_date,price,normative_cost,capacity
robotics-1,robotics,2024-09-01,2025-05-31,9000.00,7000.00,12
robotics-2,robotics,2024-09-01,2025-05-31,12000.00,7000.00,12
chess-1,chess,2024-09-01,2025-05-31,9000,7000.00,10
`
const certificates = `\uFEFFcertificate_number;municipality;birth_date;issued_on;type;period_id;activated_on
A000000001;tambov;2014-02-02;2024-09-02;financing;2024;2024-09-03
A000000002;tambov;2016-07-30;2024-09-02;accounting;;
A000000003;tambov;2022-01-01;2024-09-02;accounting;;
A000000004;tambov;2015-02-30;2024-09-02;accounting;;
`

t.test('registries import through the commands, report rejected rows by line, and import once', async (t) => {
  const db = await testDatabase(t)
  const store = new PostgresEventStore(db.sql)
  const app = new Application(store)
  await openFinancingPeriod(app, ctx(), {
    municipality: 'tambov',
    periodId: '2024',
    startDate: '2024-09-01',
    endDate: '2025-08-31',
    nominal: 776000,
    financingCap: 10,
    nominalLimit: null,
    payerId: 'payer-1',
  })

  t.same(await importFile(app, 'providers', providers, 'providers.csv'), { rows: 2, imported: 2, alreadyImported: 0, rejected: [] })
  const prog = await importFile(app, 'programmes', programmes, 'programmes.csv')
  t.same(prog.rejected, [{ line: 5, code: 'provider_not_found', message: 'no provider nobody' }])
  t.equal(prog.imported, 3)
  const grp = await importFile(app, 'groups', groups, 'groups.csv')
  t.same(
    grp.rejected.map((r) => [r.line, r.code]),
    [
      [3, 'price_above_limit'],
      [4, 'row_invalid'],
    ],
    '12 000 > 150 % of 7 000; "9000" has no kopecks',
  )
  const certs = await importFile(app, 'certificates', certificates, 'registry.csv')
  t.same(
    certs.rejected.map((r) => [r.line, r.code]),
    [
      [4, 'child_age_outside_5_to_18'],
      [5, 'row_invalid'],
    ],
  )
  t.equal(certs.imported, 2)

  const log = await wholeLog(store)
  const f = figures(log)
  t.equal(f.money.get('A000000001|2024')!.balance, 776000, 'the financing certificate got its nominal')
  t.ok(
    log.some((e) => e.type === 'CertificateActivated' && (e.data as { certificateNumber: string }).certificateNumber === 'A000000001'),
    'and was activated',
  )
  t.ok(log.some((e) => e.type === 'ProgrammeQualityAssessed' && (e.data as { certified: boolean; programmeId: string }).programmeId === 'robotics'))

  const again = await importFile(new Application(store), 'certificates', certificates, 'registry.csv')
  t.same([again.imported, again.alreadyImported, again.rejected.length], [0, 2, 2], 'the second run imports nothing new')
  t.equal((await wholeLog(store)).length, log.length, 'and appends nothing')
  const changed = certificates.replace('A000000002;tambov;2016-07-30', 'A000000002;tambov;2016-07-31')
  const third = await importFile(app, 'certificates', changed, 'registry.csv')
  t.match(
    third.rejected.find((r) => r.line === 3),
    { code: 'idempotency_key_reused' },
    'a row changed since is reported, not applied',
  )
  await t.rejects(importFile(app, 'groups', 'group_id;programme_id\nx;y\n', 'bad.csv'), /header lacks start_date/)
})

t.test('payers and providers import with their requisites; a bad one is rejected naming the field', async (t) => {
  const { MemoryEventStore } = await import('../../src/store/memory/memory-event-store.ts')
  const { validRequisites } = await import('../helpers/requisites.ts')
  const { organisationOn } = await import('../../src/app/organisations.ts')
  const app = new Application(new MemoryEventStore())
  const r = validRequisites(7)
  const columns = 'full_name;short_name;inn;kpp;ogrn;legal_address;settlement_account;bank_name;bik;correspondent_account;head_name;head_title'
  const values = (x: typeof r) =>
    [x.fullName, x.shortName, x.inn, x.kpp, x.ogrn, x.legalAddress, x.settlementAccount, x.bankName, x.bik, x.correspondentAccount, x.headName, x.headTitle]
      .map((v) => `"${v!.replaceAll('"', '""')}"`)
      .join(';')
  const payers = `payer_id;municipality;name;${columns}\nuo;tambov;Управление образования;${values(r)}\nbad;tambov;Плохой;${values({ ...r, ogrn: `${r.ogrn.slice(0, 12)}${(Number(r.ogrn[12]) + 1) % 10}` })}\n`
  const report = await importFile(app, 'payers', payers, 'payers.csv')
  t.equal(report.imported, 1)
  t.same(
    report.rejected.map((x) => [x.line, x.code, x.message.split(':')[0]]),
    [[3, 'requisites_invalid', 'requisites.ogrn']],
  )
  t.same((await organisationOn(app, 'payer', 'uo', '2024-09-01'))?.requisites, r)
  const providers = `provider_id;municipality;name;kind;inn;kpp\nbare;tambov;Без реквизитов;private;;\n`
  t.same(await importFile(app, 'providers', providers, 'p.csv'), { rows: 1, imported: 1, alreadyImported: 0, rejected: [] })
  t.same((await organisationOn(app, 'provider', 'bare', '2024-09-01'))?.requisites, {}, 'empty columns give nothing')
})
