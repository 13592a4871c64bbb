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

export interface YearReport {
  municipality: string
  months: MonthLine[]
  coverage: Awaited<ReturnType<ProjectionReader['coverage']['on']>>
}

export async function yearReport(sql: Sql, store: EventStore, scenario: Scenario, months: IsoMonth[], coverageOn: IsoDate): Promise<YearReport> {
  await new ProjectionRunner(sql, store, PROJECTIONS).catchUp()
  const reader = new ProjectionReader(sql, store)
  const lines: MonthLine[] = []
  for (const month of months) {
    const r = await reader.invoices.reconciliation(scenario.municipality, month, null, null)
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
  return { municipality: scenario.municipality, months: lines, coverage: await reader.coverage.on(scenario.municipality, coverageOn) }
}

/** Kopecks as roubles with a space between thousands, as Russian documents write them. */
const money = (k: number) => formatAmount(k).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')
/** A decimal amount of the reporting views ("8730000.00"), written the same way. */
const decimal = (text: string) => money(parseAmount(text))
const percent = (share: string | null | undefined) => (share == null ? '—' : `${(Number(share) * 100).toFixed(1)} %`)

export function formatReport(report: YearReport, scenario: Scenario): string {
  const out: string[] = []
  const col = (s: string, n: number) => s.padStart(n)
  out.push(`Payments to providers, ${scenario.title} (roubles)`)
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
