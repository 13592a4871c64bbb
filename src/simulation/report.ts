import { PROJECTIONS } from '../../projections/index.ts'
import { ProjectionReader } from '../../projections/read.ts'
import { ProjectionRunner } from '../../projections/runner.ts'
import type { Sql } from '../db/database.ts'
import { addMonths, type IsoDate, type IsoMonth } from '../domain/dates.ts'
import { formatAmount, parseAmount } from '../domain/money.ts'
import type { EventStore } from '../store/port.ts'
import type { Scenario } from './scenarios.ts'

// What a payer and a support centre look at after a year: per month what was invoiced, paid and is still owed
// to providers; coverage beside the targets; budget convergence. Everything from the read models, as a reporting
// job would read them.

interface MonthLine {
  month: IsoMonth
  advanceInvoiced: number
  advancePaid: number
  finalInvoiced: number
  finalDue: number
  finalPaid: number
  /** Paid after the deadline, advances and final invoices together. */
  paidLateInclAdvances: number
  outstanding: number
  refundedToCertificates: number
}

/** A provider's year as the payer sees it, with the registry's name and ИНН. */
interface ProviderLine {
  providerId: string
  name: string | null
  inn: string | null
  invoiced: number
  paid: number
  outstanding: number
}

export interface YearReport {
  municipality: string
  /** The payer as the registry names it (null: a period names it, the registry does not). */
  payer: { payerId: string; name: string | null; inn: string | null }
  /** The providers paid the most services in the year, by name. */
  topProviders: ProviderLine[]
  months: MonthLine[]
  coverage: Awaited<ReturnType<ProjectionReader['coverage']['on']>>
}

export async function yearReport(sql: Sql, store: EventStore, scenario: Scenario, months: IsoMonth[], coverageOn: IsoDate): Promise<YearReport> {
  await new ProjectionRunner(sql, store, PROJECTIONS).catchUp()
  const reader = new ProjectionReader(sql, store)
  const lines: MonthLine[] = []
  const byProvider = new Map<string, ProviderLine>()
  for (const month of months) {
    const r = await reader.invoices.reconciliation(scenario.municipality, month, null, null)
    for (const p of r.providers) {
      const line = byProvider.get(p.providerId) ?? { providerId: p.providerId, name: null, inn: null, invoiced: 0, paid: 0, outstanding: 0 }
      line.invoiced += p.finalInvoiced
      line.paid += p.advancePaid + p.finalPaid
      line.outstanding += p.outstanding
      byProvider.set(p.providerId, line)
    }
    const t = r.totals
    lines.push({
      month,
      advanceInvoiced: t.advanceInvoiced,
      advancePaid: t.advancePaid,
      finalInvoiced: t.finalInvoiced,
      finalDue: t.finalDue,
      finalPaid: t.finalPaid,
      paidLateInclAdvances: t.advancePaidLate + t.finalPaidLate,
      outstanding: t.outstanding,
      refundedToCertificates: t.refundedToCertificates,
    })
  }
  const registered = new Map((await reader.organisations.list('provider', { municipality: scenario.municipality, only: null, on: null })).map((p) => [p.id, p]))
  const topProviders = [...byProvider.values()]
    .sort((a, b) => b.invoiced - a.invoiced || (a.providerId < b.providerId ? -1 : 1))
    .slice(0, 5)
    .map((p) => ({
      ...p,
      name: registered.get(p.providerId)?.shortName ?? registered.get(p.providerId)?.name ?? null,
      inn: registered.get(p.providerId)?.inn ?? null,
    }))
  const [payer] = await reader.organisations.list('payer', { municipality: null, only: scenario.payerId, on: null })
  return {
    municipality: scenario.municipality,
    payer: { payerId: scenario.payerId, name: payer?.name ?? null, inn: payer?.inn ?? null },
    topProviders,
    months: lines,
    coverage: await reader.coverage.on(scenario.municipality, coverageOn),
  }
}

/** Kopecks as roubles with a space between thousands, as Russian documents write them. */
const money = (k: number) => formatAmount(k).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')
/** A decimal amount of the reporting views ("8730000.00"), written the same way. */
const decimal = (text: string) => money(parseAmount(text))
const percent = (share: string | null | undefined) => (share == null ? '—' : `${(Number(share) * 100).toFixed(1)} %`)

export function formatReport(report: YearReport, scenario: Scenario): string {
  const out: string[] = []
  const col = (s: string, n: number) => s.padStart(n)
  const named = (name: string | null, id: string, inn: string | null) => `${name ?? id}${inn ? ` (ИНН ${inn})` : ''}`
  out.push(`Payments to providers, ${scenario.title} (roubles)`)
  out.push(`Payer: ${named(report.payer.name, report.payer.payerId, report.payer.inn)}`)
  out.push(
    `${'month'.padEnd(8)}${col('advance inv.', 15)}${col('advance paid', 15)}${col('final inv.', 15)}${col('final due', 15)}${col('final paid', 15)}${col('late, adv+fin', 14)}${col('outstanding', 14)}${col('refunded', 12)}`,
  )
  const sum = {
    advanceInvoiced: 0,
    advancePaid: 0,
    finalInvoiced: 0,
    finalDue: 0,
    finalPaid: 0,
    paidLateInclAdvances: 0,
    outstanding: 0,
    refundedToCertificates: 0,
  }
  for (const m of report.months) {
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += m[k]
    out.push(
      `${m.month.padEnd(8)}${col(money(m.advanceInvoiced), 15)}${col(money(m.advancePaid), 15)}${col(money(m.finalInvoiced), 15)}${col(money(m.finalDue), 15)}${col(money(m.finalPaid), 15)}${col(money(m.paidLateInclAdvances), 14)}${col(money(m.outstanding), 14)}${col(money(m.refundedToCertificates), 12)}`,
    )
  }
  out.push(
    `${'year'.padEnd(8)}${col(money(sum.advanceInvoiced), 15)}${col(money(sum.advancePaid), 15)}${col(money(sum.finalInvoiced), 15)}${col(money(sum.finalDue), 15)}${col(money(sum.finalPaid), 15)}${col(money(sum.paidLateInclAdvances), 14)}${col(money(sum.outstanding), 14)}${col(money(sum.refundedToCertificates), 12)}`,
  )
  out.push('')
  out.push('Providers paid the most services in the year (roubles)')
  out.push(`${'provider'.padEnd(64)}${col('invoiced', 15)}${col('paid', 15)}${col('outstanding', 14)}`)
  for (const p of report.topProviders)
    out.push(
      `${named(p.name, p.providerId, p.inn).slice(0, 63).padEnd(64)}${col(money(p.invoiced), 15)}${col(money(p.paid), 15)}${col(money(p.outstanding), 14)}`,
    )
  const c = report.coverage
  out.push('')
  out.push(`Coverage on ${c.date} (population 5–18: ${c.population ?? '—'}, ${c.populationYear ?? '—'})`)
  out.push(`  children enrolled, each once:  ${c.childrenEnrolled} = ${percent(c.coverageShare)}`)
  out.push(`  by direction (a child in two counts once in each):`)
  for (const d of c.byDirection) out.push(`    ${d.key.padEnd(30)}${col(String(d.children), 6)}  ${percent(d.share)}`)
  out.push(`  by certificate type:  ${c.byCertificateType.map((t) => `${t.key} ${t.children}`).join(', ')}`)
  out.push(
    `  certificates issued:  ${c.certificates.issued} = ${percent(c.certificates.share)} of children (target ${percent(c.certificates.targetShare)} by ${c.certificates.targetMilestone ?? '—'})`,
  )
  out.push(
    `  financing:            ${c.certificates.financing} = ${percent(c.certificates.financingShare)} of children (target ${percent(c.certificates.targetFinancingShare)})`,
  )
  out.push('')
  for (const b of c.budget) {
    out.push(
      `Budget convergence, period ${b.periodId}: cap ${b.financingCap} × nominal ${decimal(b.nominal)} = ${decimal(b.capTimesNominal)}; ` +
        `${b.financingCertificates} financing certificates, sum of nominals ${decimal(b.sumOfNominals)}` +
        `${b.nominalLimit === null ? '' : ` within the limit ${decimal(b.nominalLimit)}`}: ${b.converges ? 'converges' : 'DOES NOT CONVERGE'}`,
    )
  }
  return out.join('\n')
}

/** The date coverage is reported on: the middle of the school year, when most contracts run. */
export const coverageDate = (scenario: Scenario): IsoDate => `${addMonths(scenario.schoolYear.start.slice(0, 7), 5)}-01`
