import type { DIRECTIONS } from '../../events/index.ts'
import { uuidFromName } from '../app/ids.ts'
import { addMonths, dayNumber, fromDayNumber, type IsoDate, lastDayOfMonth, maxDate, minDate, monthOf } from '../domain/dates.ts'
import type { Kopecks } from '../domain/money.ts'
import { Random } from './random.ts'
import type { Scenario } from './scenarios.ts'

// The plan of a simulated year: the registry (providers, programmes, groups) and every child's year (certificate,
// activation, contracts, their answers and ends), drawn from a seed before anything runs. Places are counted
// here, so no two planned requests compete for the last place of a group and the run is the same every time.

type Direction = (typeof DIRECTIONS)[number]
type ProviderKind = 'municipal' | 'private' | 'individual-entrepreneur'

interface PlannedProvider {
  providerId: string
  name: string
  kind: ProviderKind
}

interface PlannedProgramme {
  programmeId: string
  providerId: string
  title: string
  direction: Direction
  kind: 'financing' | 'budget' | 'paid'
  /** The НОК score for financing programmes (≥ 30 certifies), null for others. */
  score: number | null
}

interface PlannedGroup {
  groupId: string
  programme: PlannedProgramme
  startDate: IsoDate
  endDate: IsoDate
  price: Kopecks
  normativeCost: Kopecks
  capacity: number
  /** Lessons a month, for the attendance. */
  lessonsPerMonth: number
  planned: number
}

export interface PlannedContract {
  contractId: string
  group: PlannedGroup
  requestedOn: IsoDate
  startDate: IsoDate
  answer: { acceptedOn: IsoDate } | { refusedOn: IsoDate } | null
  termination: { on: IsoDate; by: 'parent' | 'provider'; reason: string } | null
}

export interface PlannedChild {
  certificateNumber: string
  birthDate: IsoDate
  issuedOn: IsoDate
  requestsFinancing: boolean
  activatedOn: IsoDate | null
  /** A financing certificate holder who gives the financing type back (nothing reserved), freeing a place. */
  toAccountingOn: IsoDate | null
  contracts: PlannedContract[]
}

export interface Plan {
  scenario: Scenario
  seed: number
  providers: PlannedProvider[]
  programmes: PlannedProgramme[]
  groups: PlannedGroup[]
  children: PlannedChild[]
}

const DIRECTION_WEIGHTS: [Direction, number][] = [
  // Tutaev's enrolments by direction (domain.md): sports 2 748, artistic 2 098, social 1 470, natural-science
  // 1 191, tourism 426, technical 419.
  ['physical-culture-and-sports', 2748],
  ['artistic', 2098],
  ['social-humanitarian', 1470],
  ['natural-science', 1191],
  ['tourism-and-local-history', 426],
  ['technical', 419],
]

const TITLES: Record<Direction, string[]> = {
  technical: ['Робототехника', 'Начальное техническое моделирование', 'Программирование на Python', '3D-моделирование', 'Авиамоделирование'],
  'natural-science': ['Юный эколог', 'Занимательная химия', 'Астрономия для школьников', 'Юный натуралист', 'Математика вокруг нас'],
  'physical-culture-and-sports': ['Футбол', 'Волейбол', 'Шахматы', 'Лёгкая атлетика', 'Самбо', 'Плавание', 'Настольный теннис'],
  artistic: ['Хореография', 'Вокальная студия', 'Изостудия', 'Театральная студия', 'Декоративно-прикладное творчество', 'Гитара'],
  'tourism-and-local-history': ['Юный турист', 'Краеведение', 'Школьный музей', 'Спортивное ориентирование'],
  'social-humanitarian': ['Юный журналист', 'Английский язык', 'Школа вожатых', 'Волонтёры', 'Основы финансовой грамотности'],
}

const PROVIDER_NAMES: Record<ProviderKind, string[]> = {
  municipal: [
    'Центр детского творчества',
    'Детско-юношеская спортивная школа',
    'Детская школа искусств',
    'Станция юных техников',
    'Дом культуры',
    'Средняя общеобразовательная школа',
  ],
  private: ['АНО «Развитие»', 'ООО «Умники»', 'АНО «Спортивный клуб»', 'ООО «Робошкола»', 'АНО «Творческая мастерская»'],
  'individual-entrepreneur': ['ИП (студия танца)', 'ИП (шахматный клуб)', 'ИП (языковая студия)'],
}

const TERMINATION_REASONS = {
  parent: ['семья переехала', 'смена расписания', 'по состоянию здоровья', 'ребёнок выбрал другую программу'],
  provider: ['нарушение правил внутреннего распорядка', 'группа расформирована'],
}

const roubles = (r: number) => r * 100
const addDays = (date: IsoDate, n: number) => fromDayNumber(dayNumber(date) + n)

export function makePlan(scenario: Scenario, seed: number): Plan {
  const random = new Random(seed)
  const s = scenario
  const id = (kind: string, n: number) => `${s.municipality.slice(0, 4)}-${kind}${String(n).padStart(4, '0')}`

  const providers: PlannedProvider[] = Array.from({ length: s.providers }, (_, i) => {
    const kind = random.weighted<ProviderKind>([
      ['municipal', 6],
      ['private', 3],
      ['individual-entrepreneur', 1],
    ])
    return { providerId: id('p', i + 1), name: `${random.pick(PROVIDER_NAMES[kind])} №${i + 1}`, kind }
  })

  const programmes: PlannedProgramme[] = []
  const addProgrammes = (kind: PlannedProgramme['kind'], count: number, certified: number) => {
    for (let i = 0; i < count; i++) {
      const direction = random.weighted(DIRECTION_WEIGHTS)
      // Private providers run most financing programmes; budget ones belong to municipal institutions.
      const candidates = providers.filter((p) => (kind === 'budget' ? p.kind === 'municipal' : true))
      const provider = random.pick(candidates.length > 0 ? candidates : providers)
      const score = kind === 'financing' ? (i < certified ? random.int(30, 50) : random.int(12, 29)) : null
      programmes.push({
        programmeId: id('prog', programmes.length + 1),
        providerId: provider.providerId,
        title: random.pick(TITLES[direction]),
        direction,
        kind,
        score,
      })
    }
  }
  addProgrammes('financing', s.programmes.financing, s.programmes.certified)
  addProgrammes('budget', s.programmes.budget, 0)
  addProgrammes('paid', s.programmes.paid, 0)

  const groups: PlannedGroup[] = []
  for (const programme of programmes) {
    const count = programme.kind === 'paid' ? 1 : random.int(1, 2)
    for (let g = 0; g < count; g++) {
      // Most groups teach the whole school year; some start in October.
      const startDate = random.chance(0.8) ? s.schoolYear.start : addMonths(monthOf(s.schoolYear.start), 1) + '-01'
      const normative = programme.kind === 'budget' ? 0 : roubles(random.int(45, 95) * 100)
      const price = programme.kind === 'budget' ? 0 : Math.min(Math.floor((normative * random.int(80, 150)) / 100 / 1000) * 1000, (normative * 3) / 2)
      groups.push({
        groupId: `${programme.programmeId}-g${g + 1}`,
        programme,
        startDate,
        endDate: s.schoolYear.end,
        price,
        normativeCost: normative,
        capacity: random.int(12, 25),
        lessonsPerMonth: random.pick([4, 8, 8, 12]),
        planned: 0,
      })
    }
  }
  const open = (kind: PlannedProgramme['kind']) => groups.filter((g) => g.programme.kind === kind && (kind !== 'financing' || (g.programme.score ?? 0) >= 30))
  const groupsOf = { financing: open('financing'), budget: open('budget'), paid: open('paid') }

  // Children: birth dates from 5 to 17 years before the school year, certificates issued mostly in September.
  const startYear = Number(s.schoolYear.start.slice(0, 4))
  const children: PlannedChild[] = []
  for (let i = 0; i < s.certificates; i++) {
    const issuedOn = random.chance(0.8) ? addDays(s.schoolYear.start, random.int(0, 29)) : addDays(s.schoolYear.start, random.int(30, 170))
    const age = random.int(5, 16)
    const birthDate = addDays(`${startYear - age - 1}-09-02`, random.int(0, 364))
    children.push({
      certificateNumber: `${s.municipality.slice(0, 2).toUpperCase()}${String(seed % 100).padStart(2, '0')}${String(i + 1).padStart(6, '0')}`,
      birthDate,
      issuedOn,
      requestsFinancing: false,
      activatedOn: random.chance(0.96) ? addDays(issuedOn, random.int(0, 10)) : null,
      toAccountingOn: null,
      contracts: [],
    })
  }
  for (const child of random.shuffle(children).slice(0, s.financingRequests)) child.requestsFinancing = true

  // Who gets a financing place: requests in the order they are issued, the rest wait in the queue. A few holders
  // who never enrol give the type back, and the head of the queue is promoted.
  const byIssue = (a: PlannedChild, b: PlannedChild) =>
    a.issuedOn === b.issuedOn ? (a.certificateNumber < b.certificateNumber ? -1 : 1) : a.issuedOn < b.issuedOn ? -1 : 1
  const requesters = children.filter((c) => c.requestsFinancing).sort(byIssue)
  const placed = requesters.slice(0, s.financingCap)
  const queued = requesters.slice(s.financingCap)
  const givingBack = placed.filter((c) => c.activatedOn !== null && c.issuedOn < addDays(s.schoolYear.start, 30) && random.chance(0.03)).slice(0, queued.length)
  for (const [k, c] of givingBack.entries()) c.toAccountingOn = addDays(s.schoolYear.start, 35 + k)
  const promotedOn = new Map(queued.slice(0, givingBack.length).map((c, k) => [c, givingBack[k]!.toAccountingOn!]))

  const holders = new Set(placed)
  let contractNo = 0
  const plan = (child: PlannedChild, kind: PlannedProgramme['kind'], earliest: IsoDate) => {
    const candidates = groupsOf[kind].filter((g) => g.planned < g.capacity && !child.contracts.some((c) => c.group === g))
    if (candidates.length === 0 || earliest > addDays(s.schoolYear.end, -45)) return
    const group = random.pick(candidates)
    group.planned++
    const requestedOn = minDate(maxDate(earliest, addDays(group.startDate, -random.int(0, 5))), addDays(s.schoolYear.end, -45))
    // A contract starts on the request, or with the group when asked for before the group starts.
    const startDate = maxDate(requestedOn, group.startDate)
    const roll = random.next()
    const answerOn = minDate(addDays(requestedOn, random.int(0, 4)), lastDayOfMonth(monthOf(requestedOn)))
    const answer = roll < 0.95 ? { acceptedOn: answerOn } : roll < 0.98 ? { refusedOn: answerOn } : null
    let termination: PlannedContract['termination'] = null
    const lastTermination = addDays(s.schoolYear.end, -20)
    if (answer && 'acceptedOn' in answer && random.chance(0.06) && addDays(startDate, 30) < lastTermination) {
      const by = random.chance(0.75) ? 'parent' : 'provider'
      termination = {
        on: fromDayNumber(random.int(dayNumber(addDays(startDate, 30)), dayNumber(lastTermination))),
        by,
        reason: random.pick(TERMINATION_REASONS[by]),
      }
    }
    child.contracts.push({
      contractId: uuidFromName(`simulation:${s.name}:${seed}:contract:${++contractNo}`),
      group,
      requestedOn,
      startDate,
      answer,
      termination,
    })
  }
  for (const child of children) {
    if (!child.activatedOn || child.toAccountingOn) continue
    const financing = holders.has(child) || promotedOn.has(child)
    const earliest = maxDate(
      promotedOn.has(child) ? maxDate(addMonths(monthOf(promotedOn.get(child)!), 1) + '-01', child.activatedOn) : child.activatedOn,
      addDays(s.schoolYear.start, -5),
    )
    const later = (days: number) => addDays(earliest, random.int(0, days))
    if (financing) {
      if (!random.chance(0.92)) continue
      plan(child, 'financing', later(20))
      if (random.chance(0.12)) plan(child, 'financing', later(60))
      if (random.chance(0.2)) plan(child, 'budget', later(30))
    } else {
      if (!random.chance(0.9)) continue
      plan(child, random.chance(0.85) ? 'budget' : 'paid', later(20))
      if (random.chance(0.35)) plan(child, 'budget', later(40))
    }
  }
  return { scenario, seed, providers, programmes, groups, children }
}
