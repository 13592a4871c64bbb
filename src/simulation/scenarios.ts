import type { IsoDate } from '../domain/dates.ts'
import type { Kopecks } from '../domain/money.ts'

/**
 * A municipality's school year, sized from the figures of the seeds (docs/domain.md, "Figures from the seeds").
 * Where a seed gives no figure, the value is an assumption, named as such.
 */
export interface Scenario {
  name: string
  title: string
  municipality: string
  periodId: string
  /** The financing period: unused money does not carry over past its end. */
  period: { start: IsoDate; end: IsoDate }
  /** The groups' teaching period. */
  schoolYear: { start: IsoDate; end: IsoDate }
  nominal: Kopecks
  financingCap: number
  payerId: string
  /** The payer's name: the municipality's body that pays the providers. */
  payerName: string
  /** Children aged 5–18 living in the municipality (the coverage denominator) and the year of that figure. */
  population: number
  populationYear: number
  certificates: number
  /** Certificates issued with a request for the financing type; those beyond the cap wait in the queue. */
  financingRequests: number
  providers: number
  programmes: { financing: number; certified: number; budget: number; paid: number }
}

export const SCENARIOS: Record<string, Scenario> = {
  // Tambov district (Amur oblast), 2023: 1 125 financing certificates × 7 760.00, 2 558 certificates, 29 providers,
  // 256 programmes of which 68 passed the НОК. Population 3 750 (2 780 children = 74.15 %). Assumed: the split of
  // the 256 programmes into 80 financing (68 certified), 150 budget and 26 paid; 35 financing requests beyond the cap.
  'tambov-2023': {
    name: 'tambov-2023',
    title: 'Тамбовский район (Амурская обл.), 2023/24 учебный год',
    municipality: 'tambov-district',
    periodId: '2023-24',
    period: { start: '2023-09-01', end: '2024-08-31' },
    schoolYear: { start: '2023-09-01', end: '2024-05-31' },
    nominal: 776000,
    financingCap: 1125,
    payerId: 'tambov-payer',
    payerName: 'Отдел образования администрации Тамбовского района',
    population: 3750,
    populationYear: 2023,
    certificates: 2558,
    financingRequests: 1160,
    providers: 29,
    programmes: { financing: 80, certified: 68, budget: 150, paid: 26 },
  },
  // Michurinsk (Tambov oblast), 2020: 11 677 certificates; about 400 programmes (278 budget, 74 paid, 31 financing);
  // 709 children on financing programmes from 2020-09-01 (7 %). Assumed: a cap of 750 financing certificates with a
  // nominal of 6 000.00, 12 500 children aged 5–18, 40 providers.
  'michurinsk-2020': {
    name: 'michurinsk-2020',
    title: 'Мичуринск (Тамбовская обл.), 2020/21 учебный год',
    municipality: 'michurinsk',
    periodId: '2020-21',
    period: { start: '2020-09-01', end: '2021-08-31' },
    schoolYear: { start: '2020-09-01', end: '2021-05-31' },
    nominal: 600000,
    financingCap: 750,
    payerId: 'michurinsk-payer',
    payerName: 'Управление народного образования администрации города Мичуринска',
    population: 12500,
    populationYear: 2020,
    certificates: 11677,
    financingRequests: 770,
    providers: 40,
    programmes: { financing: 31, certified: 31, budget: 278, paid: 74 },
  },
}

/** The scenario with every count multiplied by `scale` (at least one of each); money and dates stay. */
export function scaled(scenario: Scenario, scale: number): Scenario {
  if (scale === 1) return scenario
  const n = (x: number) => Math.max(1, Math.round(x * scale))
  return {
    ...scenario,
    financingCap: n(scenario.financingCap),
    population: n(scenario.population),
    certificates: n(scenario.certificates),
    financingRequests: Math.min(n(scenario.financingRequests), n(scenario.certificates)),
    providers: n(scenario.providers),
    programmes: {
      financing: n(scenario.programmes.financing),
      certified: Math.min(n(scenario.programmes.certified), n(scenario.programmes.financing)),
      budget: n(scenario.programmes.budget),
      paid: n(scenario.programmes.paid),
    },
  }
}
