import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ProjectionReader } from '../../../projections/read.ts'
import type { Application } from '../../app/context.ts'
import { openFinancingPeriod, recordPopulation } from '../../app/registry.ts'
import { todayIn } from '../../audit/as-of.ts'
import { commandContext, sendOutcome } from '../commands.ts'
import { coverageCsv, coverageXlsx, XLSX } from '../exports.ts'
import { ProblemError } from '../problem.ts'
import { currentTo, readQuery, requireMunicipalityScope } from '../reads.ts'
import { amount, commandHeaders, count, date, id, LIMITS, outcome } from '../schemas.ts'

const share = z.string().nullable().describe('a fraction with four decimals, e.g. "0.4420"')
const breakdown = z.array(z.object({ key: z.string(), children: z.number().int(), share }))

export const municipalityRoutes: FastifyPluginAsync<{ ledger: Application; reader: ProjectionReader; timeZone: string }> = async (
  app,
  { ledger, reader, timeZone },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.post(
    '/v1/municipalities/:municipality/periods',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Open a financing period: nominal, cap on financing certificates, optional limit on the sum of nominals',
        tags: ['municipalities'],
        security: [{ bearer: [] }],
        params: z.object({ municipality: id }),
        headers: commandHeaders,
        body: z.strictObject({
          periodId: id,
          startDate: date,
          endDate: date,
          nominal: amount,
          financingCap: count(LIMITS.financingCap),
          nominalLimit: amount.nullable().default(null),
          payerId: id,
        }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await openFinancingPeriod(ledger, commandContext(request), { municipality: request.params.municipality, ...request.body })
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )
  r.post(
    '/v1/municipalities/:municipality/population',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Record the resident population aged 5–18 for a year (the denominator of coverage)',
        tags: ['municipalities'],
        security: [{ bearer: [] }],
        params: z.object({ municipality: id }),
        headers: commandHeaders,
        body: z.strictObject({ year: z.number().int().min(2000).max(2100), children5to18: count(LIMITS.children).positive() }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await recordPopulation(ledger, commandContext(request), { municipality: request.params.municipality, ...request.body })
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )

  r.get(
    '/v1/municipalities/:municipality/coverage',
    {
      config: { roles: ['operator', 'payer', 'auditor', 'reporting'] },
      schema: {
        summary: 'Coverage statistics on a date: unique children enrolled and their share, breakdowns, certificates against targets, budget convergence',
        description: 'Each child counts once in the total and once per direction it attends. Shares are of the resident population aged 5–18.',
        tags: ['municipalities'],
        security: [{ bearer: [] }],
        params: z.object({ municipality: id }),
        querystring: z.object({
          date: date.optional().describe('the business date; default today (LEDGER_TIME_ZONE)'),
          format: z.enum(['json', 'csv', 'xlsx']).default('json').describe('csv: `;`, UTF-8 BOM, Russian headers; xlsx: a workbook'),
          ...readQuery,
        }),
        response: {
          200: z.object({
            municipality: z.string(),
            date: z.string(),
            population: z.number().int().nullable(),
            populationYear: z.number().int().nullable(),
            childrenEnrolled: z.number().int(),
            coverageShare: share,
            byDirection: breakdown,
            byAge: breakdown,
            byCertificateType: breakdown,
            byProvider: breakdown,
            certificates: z.object({
              issued: z.number().int(),
              share,
              targetShare: share,
              financing: z.number().int(),
              financingShare: share,
              targetFinancingShare: share,
              targetMilestone: z.string().nullable(),
            }),
            budget: z.array(
              z.object({
                periodId: z.string(),
                financingCap: z.number().int(),
                financingCertificates: z.number().int(),
                nominal: z.string(),
                capTimesNominal: z.string(),
                sumOfNominals: z.string(),
                nominalLimit: z.string().nullable(),
                converges: z.boolean(),
              }),
            ),
            position: z.string(),
            dateDefaulted: z.boolean().describe('no date was asked: the answer is for today'),
            lastDateWithData: z.string().nullable().describe('the last day a child is counted as enrolled'),
            note: z.string().nullable().describe('says when today finds nobody enrolled, and which date has data'),
          }),
        },
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      const onDate = request.query.date ?? todayIn(timeZone)
      await requireMunicipalityScope(reader, request, municipality)
      const position = await currentTo(reader, reply, ['coverage'], request.query.minPosition)
      if (!(await reader.certificates.municipalityExists(municipality)))
        throw new ProblemError(404, 'municipality_not_found', 'Not found', `no municipality ${municipality}`)
      const first = await reader.certificates.firstIssuedOn(municipality)
      if (first === null || onDate < first) {
        const since = first ? `its first certificate was issued on ${first}` : 'it has issued no certificate yet'
        throw new ProblemError(404, 'no_history_on_date', 'Nothing on that date', `${municipality} has nothing to count on ${onDate}: ${since}`, {
          firstDate: first,
        })
      }
      const coverage = await reader.coverage.on(municipality, onDate)
      const lastDateWithData = await reader.coverage.lastDate(municipality)
      const dateDefaulted = request.query.date === undefined
      // Today after the last school year finds nobody: say so and name the date that has data.
      const note =
        dateDefaulted && coverage.childrenEnrolled === 0 && lastDateWithData !== null && lastDateWithData < onDate
          ? `nobody is enrolled today (${onDate}); the last date with enrolments is ${lastDateWithData}: ask with date=${lastDateWithData}`
          : null
      if (request.query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="coverage-${municipality}-${onDate}.csv"`)
          .send(coverageCsv(coverage) as never)
      if (request.query.format === 'xlsx')
        return reply
          .type(XLSX)
          .header('content-disposition', `attachment; filename="coverage-${municipality}-${onDate}.xlsx"`)
          .send((await coverageXlsx(coverage)) as never)
      return { ...coverage, position, dateDefaulted, lastDateWithData, note }
    },
  )
}
