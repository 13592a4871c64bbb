import type { ProjectionReader } from '../read.ts'
import type { R } from '../view.ts'

// What the API answers from the coverage read model, through its reporting functions.

export class CoverageReads {
  constructor(private readonly reader: ProjectionReader) {}

  private get sql() {
    return this.reader.sql
  }

  /** The last day a child of the municipality is counted as enrolled; null before the first enrolment. */
  async lastDate(municipality: string): Promise<string | null> {
    const [row] = await this.sql<{ d: string | null }[]>`SELECT reporting.coverage_last_date(${municipality})::text AS d`
    return row?.d ?? null
  }

  async on(municipality: string, on: string) {
    const rows = await this.sql<
      R[]
    >`SELECT dimension, key, children::int AS children, population, share::text AS share FROM reporting.coverage(${municipality}, ${on}::date)`
    const [stats] = await this.sql<R[]>`
      SELECT population, population_year, certificates_issued::int AS certificates_issued, certificate_share::text AS certificate_share,
             target_certificate_share::text AS target_certificate_share, financing_certificates::int AS financing_certificates,
             financing_share::text AS financing_share, target_financing_share::text AS target_financing_share,
             target_milestone::text AS target_milestone, children_enrolled::int AS children_enrolled, coverage_share::text AS coverage_share
      FROM reporting.municipality_statistics(${municipality}, ${on}::date)`
    const budget = await this.sql<R[]>`
      SELECT period_id, financing_cap, financing_certificates, nominal::text AS nominal, cap_times_nominal::text AS cap_times_nominal,
             sum_of_nominals::text AS sum_of_nominals, nominal_limit::text AS nominal_limit, converges
      FROM reporting.budget_convergence WHERE municipality = ${municipality} ORDER BY period_id`
    const group = (dimension: string) => rows.filter((r) => r.dimension === dimension).map((r) => ({ key: r.key, children: r.children, share: r.share }))
    return {
      municipality,
      date: on,
      population: stats!.population,
      populationYear: stats!.population_year,
      childrenEnrolled: stats!.children_enrolled,
      coverageShare: stats!.coverage_share,
      byDirection: group('direction'),
      byAge: group('age'),
      byCertificateType: group('certificate_type'),
      byProvider: group('provider'),
      certificates: {
        issued: stats!.certificates_issued,
        share: stats!.certificate_share,
        targetShare: stats!.target_certificate_share,
        financing: stats!.financing_certificates,
        financingShare: stats!.financing_share,
        targetFinancingShare: stats!.target_financing_share,
        targetMilestone: stats!.target_milestone,
      },
      budget: budget.map((b) => ({
        periodId: b.period_id,
        financingCap: b.financing_cap,
        financingCertificates: b.financing_certificates,
        nominal: b.nominal,
        capTimesNominal: b.cap_times_nominal,
        sumOfNominals: b.sum_of_nominals,
        nominalLimit: b.nominal_limit,
        converges: b.converges,
      })),
    }
  }
}
