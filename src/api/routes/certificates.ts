import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ProjectionReader } from '../../../projections/read.ts'
import {
  activateCertificate,
  type CertificateOutcome,
  changeCertificateType,
  creditNominal,
  freezeCertificate,
  issueCertificate,
  unfreezeCertificate,
} from '../../app/certificates.ts'
import type { Application } from '../../app/context.ts'
import { payerFilter } from '../../app/scope.ts'
import { callerOf } from '../auth.ts'
import { commandContext, sendOutcome } from '../commands.ts'
import { ProblemError } from '../problem.ts'
import { asOfFrom, asOfQuery, currentTo, describeAsOf, readQuery, requireCertificateScope } from '../reads.ts'
import { amountOut, birthDate, certificateNumber, certificateType, commandHeaders, date, id } from '../schemas.ts'
import { contractView } from './contracts.ts'

const certificateOutcome = z.object({
  streamId: z.string(),
  version: z.number().int().nullable(),
  certificateNumber: z.string(),
  type: certificateType,
  queuePosition: z.number().int().nullable().describe('set while the certificate waits for a financing place'),
})

/** 202 when the certificate waits in the financing queue (the cap is reached), 201/200 otherwise. */
const statusOf = (o: CertificateOutcome, created: boolean) => (o.queuePosition !== null ? 202 : created ? 201 : 200)

const periodView = z.object({
  periodId: z.string(),
  nominal: amountOut,
  reserved: amountOut,
  spent: amountOut,
  balance: amountOut.describe('nominal − reserved − spent'),
  runningContracts: z.number().int(),
  pendingContracts: z.number().int(),
})

const certificateView = z.object({
  certificateNumber: z.string(),
  municipality: z.string(),
  birthDate: z.string(),
  issuedOn: z.string(),
  requestedType: z.string(),
  type: z.string(),
  status: z.enum(['issued', 'active', 'frozen']),
  activatedOn: z.string().nullable(),
  frozenInPeriod: z.string().nullable(),
  periods: z.array(periodView),
  contracts: z.array(contractView),
  lastPosition: z.string().describe('global position of the last event that changed the certificate'),
})

export const certificateRoutes: FastifyPluginAsync<{ ledger: Application; reader: ProjectionReader; timeZone: string }> = async (
  app,
  { ledger, reader, timeZone },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const base = { tags: ['certificates'], security: [{ bearer: [] }], headers: commandHeaders }
  const params = z.object({ number: certificateNumber })
  const responses = { 200: certificateOutcome, 201: certificateOutcome, 202: certificateOutcome }

  r.post(
    '/v1/certificates',
    {
      config: { roles: ['operator'] },
      schema: {
        ...base,
        summary: 'Issue a certificate to a child aged 5–17 (birth date only)',
        description:
          'A financing certificate takes a place under the period cap and is credited with the nominal; with the cap ' +
          'reached it is issued as an accounting certificate and waits in the queue (202, queuePosition).',
        body: z.strictObject({ certificateNumber, municipality: id, birthDate, issuedOn: date, type: certificateType, periodId: id.optional() }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await issueCertificate(ledger, commandContext(request), request.body)
      return sendOutcome(reply, statusOf(result, true), result, result, ledger)
    },
  )
  r.post(
    '/v1/certificates/:number/activation',
    {
      config: { roles: ['operator'] },
      schema: { ...base, summary: "Activate: the parent confirmed the child's data", params, body: z.strictObject({ activatedOn: date }), response: responses },
    },
    async (request, reply) => {
      const result = await activateCertificate(ledger, commandContext(request), { certificateNumber: request.params.number, ...request.body })
      return sendOutcome(reply, 200, result, result, ledger)
    },
  )
  r.post(
    '/v1/certificates/:number/type',
    {
      config: { roles: ['operator'] },
      schema: {
        ...base,
        summary: 'Change the type: to accounting (nothing reserved or spent) or to financing (a free place, or the queue)',
        params,
        body: z.strictObject({ to: certificateType, periodId: id, on: date }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await changeCertificateType(ledger, commandContext(request), { certificateNumber: request.params.number, ...request.body })
      return sendOutcome(reply, statusOf(result, false), result, result, ledger)
    },
  )
  r.post(
    '/v1/certificates/:number/freeze',
    {
      config: { roles: ['operator'] },
      schema: {
        ...base,
        summary: 'Freeze: refused with running contracts; pending requests are refused, the balance goes to zero',
        params,
        body: z.strictObject({ periodId: id, on: date }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await freezeCertificate(ledger, commandContext(request), { certificateNumber: request.params.number, ...request.body })
      return sendOutcome(reply, 200, result, result, ledger)
    },
  )
  r.post(
    '/v1/certificates/:number/unfreeze',
    {
      config: { roles: ['operator'] },
      schema: {
        ...base,
        summary: 'Unfreeze in a later period (a financing certificate needs a free place)',
        params,
        body: z.strictObject({ periodId: id, on: date }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await unfreezeCertificate(ledger, commandContext(request), { certificateNumber: request.params.number, ...request.body })
      return sendOutcome(reply, 200, result, result, ledger)
    },
  )
  r.post(
    '/v1/certificates/:number/nominal-credits',
    {
      config: { roles: ['operator'] },
      schema: {
        ...base,
        summary: "Credit a financing certificate with a new period's nominal (period rollover)",
        params,
        body: z.strictObject({ periodId: id, on: date }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await creditNominal(ledger, commandContext(request), { certificateNumber: request.params.number, ...request.body })
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )

  const readers = ['operator', 'payer', 'auditor', 'reporting'] as const
  r.get(
    '/v1/certificates',
    {
      config: { roles: readers },
      schema: {
        summary: 'Certificates, a page at a time (keyset: pass `next` as `after`)',
        tags: ['certificates'],
        security: [{ bearer: [] }],
        querystring: z.object({
          municipality: id.optional(),
          after: certificateNumber.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          ...readQuery,
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                certificateNumber: z.string(),
                municipality: z.string(),
                type: z.string(),
                status: z.string(),
                birthDate: z.string(),
                issuedOn: z.string(),
              }),
            ),
            next: z.string().nullable(),
            position: z.string(),
          }),
        },
      },
    },
    async (request, reply) => {
      const { municipality, after, limit, minPosition } = request.query
      const position = await currentTo(reader, reply, ['certificate-balances'], minPosition)
      // A payer lists the certificates holding money of its own periods (src/app/scope.ts).
      const page = await reader.certificates.page(municipality ?? null, after ?? null, limit, payerFilter(callerOf(request)))
      return { items: page.items as never, next: page.next, position }
    },
  )
  r.get(
    '/v1/certificates/:number',
    {
      config: { roles: readers },
      schema: {
        summary: 'A certificate with its balance per period and its contracts; `asOf` a business date, `knownAt`/`position` what the ledger had recorded',
        description:
          'asOf=YYYY-MM-DD answers what was true on that business date, as the ledger knows it now: every event effective on or ' +
          'before it (an imported or backfilled history answers by its own dates). knownAt (YYYY-MM-DD, the end of that day in ' +
          'LEDGER_TIME_ZONE, or an ISO instant) or position=N answer what the ledger had recorded by then; both combine with asOf. ' +
          "Each folds the events from the log with the projections' own code.",
        tags: ['certificates'],
        security: [{ bearer: [] }],
        params,
        querystring: z.object({ ...asOfQuery, ...readQuery }),
        response: { 200: certificateView.extend({ position: z.string().describe('the log position this answer is current to'), asOf: z.string().nullable() }) },
      },
    },
    async (request, reply) => {
      const { minPosition } = request.query
      const asOf = asOfFrom(request.query, timeZone)
      if (asOf) {
        const { view, position, issuedOn } = await reader.certificates.asOf(request.params.number, asOf)
        if (!view) {
          const why = issuedOn ? `it was issued on ${issuedOn}` : 'the ledger has no such certificate then'
          throw new ProblemError(404, 'certificate_not_found', 'Not found', `certificate ${request.params.number} did not exist ${describeAsOf(asOf)}: ${why}`)
        }
        await requireCertificateScope(reader, request, view)
        reply.header('x-ledger-current-position', String(position))
        return { ...view, position: String(position), asOf: asOf.on }
      }
      const position = await currentTo(reader, reply, ['certificate-balances', 'contracts'], minPosition)
      const view = await reader.certificates.view(request.params.number)
      if (!view) throw new ProblemError(404, 'certificate_not_found', 'Not found', `no certificate ${request.params.number}`)
      await requireCertificateScope(reader, request, view)
      return { ...view, position, asOf: null }
    },
  )
}
