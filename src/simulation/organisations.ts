import type { Requisites } from '../domain/organisation.ts'
import { innControlDigits, ogrnControlDigit, withCorrespondentKey, withSettlementKey } from '../domain/requisites.ts'
import { Random } from './random.ts'
import type { Scenario } from './scenarios.ts'

// Requisites for a simulated municipality's payer and providers: plausible Russian ones whose checksums hold (made
// with src/domain/requisites.ts), drawn from a generator of their own seeded from the plan's seed, so the year's
// plan — and every figure of the year — is the same as without them.

type ProviderKind = 'municipal' | 'private' | 'individual-entrepreneur'

const SURNAMES = ['Иванова', 'Смирнова', 'Кузнецов', 'Попова', 'Васильев', 'Петрова', 'Соколов', 'Михайлова', 'Новиков', 'Фёдорова', 'Морозов', 'Волкова']
const GIVEN = [
  ['Елена', 'Сергеевна'],
  ['Ольга', 'Николаевна'],
  ['Андрей', 'Викторович'],
  ['Татьяна', 'Ивановна'],
  ['Сергей', 'Петрович'],
  ['Наталья', 'Владимировна'],
] as const
const STREETS = ['Советская', 'Ленина', 'Школьная', 'Молодёжная', 'Октябрьская', 'Садовая', 'Мира', 'Пионерская']

const digits = (random: Random, n: number) => Array.from({ length: n }, () => String(random.int(0, 9))).join('')

/** A person's name as a signature block prints it: surname and initials. */
function headName(random: Random): string {
  const surname = random.pick(SURNAMES)
  const feminine = /а$/.test(surname)
  const given = random.pick(GIVEN.filter(([first]) => /а$/.test(first) === feminine))
  return `${surname} ${given[0][0]}. ${given[1][0]}.`
}

interface Place {
  /** The tax office code: region and inspection (4 digits), the start of ИНН and КПП. */
  taxOffice: string
  /** Postcode and locality of the legal address. */
  locality: string
  bank: { name: string; bik: string }
}

const PLACES: Record<string, Place> = {
  'tambov-district': {
    taxOffice: '2818',
    locality: '676950, Амурская обл., Тамбовский р-н, с. Тамбовка',
    bank: { name: 'Дальневосточный банк ПАО Сбербанк', bik: '040813608' },
  },
  michurinsk: {
    taxOffice: '6827',
    locality: '393760, Тамбовская обл., г. Мичуринск',
    bank: { name: 'Тамбовское отделение № 8594 ПАО Сбербанк', bik: '046850649' },
  },
}
const DEFAULT_PLACE: Place = { taxOffice: '7701', locality: '101000, г. Москва', bank: { name: 'ПАО Сбербанк', bik: '044525225' } }

/** The legal forms, in full and short, and the balance account their settlement accounts open on. */
function legalForm(kind: ProviderKind | 'payer', name: string): { full: string; short: string; account: string } {
  if (kind === 'payer') return { full: name, short: name, account: '40204' }
  if (kind === 'municipal' && name.startsWith('Средняя общеобразовательная школа'))
    return {
      full: `Муниципальное бюджетное общеобразовательное учреждение «${name}»`,
      short: `МБОУ «${name.replace('Средняя общеобразовательная школа', 'СОШ')}»`,
      account: '40701',
    }
  if (kind === 'municipal' && name.startsWith('Дом культуры'))
    return { full: `Муниципальное бюджетное учреждение культуры «${name}»`, short: `МБУК «${name}»`, account: '40701' }
  if (kind === 'municipal')
    return {
      full: `Муниципальное бюджетное учреждение дополнительного образования «${name}»`,
      short: `МБУ ДО «${name}»`,
      account: '40701',
    }
  if (kind === 'private')
    return {
      full: name.replace(/^АНО/, 'Автономная некоммерческая организация').replace(/^ООО/, 'Общество с ограниченной ответственностью'),
      short: name,
      account: name.startsWith('ООО') ? '40702' : '40703',
    }
  return { full: name, short: name, account: '40802' }
}

/** Requisites of one organisation: `n` makes its numbers unique within the municipality. */
function requisitesOf(random: Random, place: Place, kind: ProviderKind | 'payer', name: string, n: number): Requisites {
  const entrepreneur = kind === 'individual-entrepreneur'
  const head = headName(random)
  const form = legalForm(kind, entrepreneur ? `Индивидуальный предприниматель ${head}` : name)
  const year = String(random.int(2, 22)).padStart(2, '0')
  const innBody = entrepreneur ? `${place.taxOffice}${digits(random, 6)}` : `${place.taxOffice}${String(n).padStart(5, '0')}`
  const ogrnBody = entrepreneur ? `3${year}${place.taxOffice.slice(0, 2)}${digits(random, 9)}` : `1${year}${place.taxOffice}${String(n).padStart(5, '0')}`
  const bik = place.bank.bik
  const account = `${form.account}810${'0'}${bik.slice(-3).padStart(4, '0')}${String(n).padStart(7, '0')}`
  const requisites: Requisites = {
    fullName: form.full,
    shortName: entrepreneur ? `ИП ${head}` : form.short,
    inn: innBody + innControlDigits(innBody),
    ogrn: ogrnBody + ogrnControlDigit(ogrnBody),
    legalAddress: `${place.locality}, ул. ${random.pick(STREETS)}, д. ${random.int(1, 120)}`,
    settlementAccount: withSettlementKey(account, bik),
    bankName: place.bank.name,
    bik,
    correspondentAccount: withCorrespondentKey(`30101810${'0'.repeat(9)}${bik.slice(-3)}`, bik),
    headName: head,
    headTitle: kind === 'payer' ? 'Начальник отдела' : entrepreneur ? 'Индивидуальный предприниматель' : 'Директор',
  }
  if (!entrepreneur) requisites.kpp = `${place.taxOffice}01001`
  return requisites
}

/** The requisites of the scenario's payer and of each planned provider, deterministic from the seed. */
export function simulatedRequisites(scenario: Scenario, seed: number, providers: readonly { providerId: string; name: string; kind: ProviderKind }[]) {
  // A generator apart from the plan's: the plan's draws, and so the year, stay what they were.
  const random = new Random((seed ^ 0x0e9a_5eed) >>> 0)
  const place = PLACES[scenario.municipality] ?? DEFAULT_PLACE
  const payer = requisitesOf(random, place, 'payer', scenario.payerName, 1)
  const byProvider = new Map(providers.map((p, i) => [p.providerId, requisitesOf(random, place, p.kind, p.name, i + 2)]))
  return { payer, providers: byProvider }
}
