import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ProjectionReader } from '../../../projections/read.ts'
import type { Application } from '../../app/context.ts'
import {
  acceptContract,
  type ContractOutcome,
  closeContract,
  correctMonth,
  recordAttendance,
  refuseContract,
  requestContract,
  terminateContract,
} from '../../app/contracts.ts'
import { payerFilter, providerFilter, requireReach } from '../../app/scope.ts'
import { callerOf } from '../auth.ts'
import { commandContext, sendOutcome } from '../commands.ts'
import { ProblemError } from '../problem.ts'
import { asOfFrom, asOfQuery, currentTo, describeAsOf, readQuery } from '../reads.ts'
import { amountOut, basisPoints, certificateNumber, commandHeaders, count, date, id, LIMITS, money, month, percentage, uuid } from '../schemas.ts'

const contractOutcome = z.object({
  streamId: z.string(),
  version: z.number().int().nullable(),
  contractId: z.string(),
  status: z.enum(['none', 'requested', 'accepted', 'terminated', 'closed', 'refused']),
  quote: z
    .object({
      days: z.number().int(),
      months: z.number().int(),
      all: amountOut,
      normative: amountOut,
      certificate: amountOut.describe('reserved on the certificate'),
      parent: amountOut,
      certificateFirstMonth: amountOut,
      certificateOtherMonth: amountOut,
      parentFirstMonth: amountOut,
      parentOtherMonth: amountOut,
      start: z.string(),
      end: z.string(),
      schedule: z.array(z.object({ month: z.string(), certificate: amountOut, parent: amountOut })),
    })
    .nullable(),
})

function body(o: ContractOutcome): z.infer<typeof contractOutcome> {
  const q = o.quote
  return {
    streamId: o.streamId,
    version: o.version,
    contractId: o.contractId,
    status: o.status,
    quote: q && {
      days: q.days,
      months: q.months,
      all: money(q.all),
      normative: money(q.normative),
      certificate: money(q.certificate),
      parent: money(q.parent),
      certificateFirstMonth: money(q.certificateFirstMonth),
      certificateOtherMonth: money(q.certificateOtherMonth),
      parentFirstMonth: money(q.parentFirstMonth),
      parentOtherMonth: money(q.parentOtherMonth),
      start: q.start,
      end: q.end,
      schedule: q.schedule.map((s) => ({ month: s.month, certificate: money(s.certificate), parent: money(s.parent) })),
    },
  }
}

export const contractView = z.object({
  contractId: z.string(),
  certificateNumber: z.string(),
  groupId: z.string(),
  programmeId: z.string(),
  providerId: z.string(),
  payerId: z.string().nullable(),
  municipality: z.string(),
  periodId: z.string(),
  kind: z.string(),
  direction: z.string(),
  status: z.string(),
  requestedOn: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  acceptedOn: z.string().nullable(),
  refusedOn: z.string().nullable(),
  terminatedOn: z.string().nullable(),
  lastMonth: z.string().nullable(),
  closesOn: z.string().nullable(),
  closedOn: z.string().nullable(),
  days: z.number().int(),
  months: z.number().int(),
  fullPrice: amountOut,
  normativeCost: amountOut,
  certificatePart: amountOut,
  parentPart: amountOut,
  released: amountOut,
  writtenOff: amountOut,
  schedule: z.array(z.object({ month: z.string(), certificate: amountOut, parent: amountOut })),
})

export const contractRoutes: FastifyPluginAsync<{ ledger: Application; reader: ProjectionReader; timeZone: string }> = async (
  app,
  { ledger, reader, timeZone },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const base = { tags: ['contracts'], security: [{ bearer: [] }], headers: commandHeaders }
  const params = z.object({ contractId: uuid })
  const responses = { 200: contractOutcome, 201: contractOutcome }

  r.post(
    '/v1/contracts',
    {
      config: { roles: ['operator', 'provider'] },
      schema: {
        ...base,
        summary: "Request a contract (a parent's application): takes a place, reserves the certificate's part",
        description:
          'Send an Idempotency-Key (or a contractId): a request interrupted half-way is finished by sending it again. ' +
          'Refusals: certificate_not_active, certificate_frozen, programme_not_certified, group_full, no_agreement, ' +
          'start_outside_group, start_outside_period, backdated_request, duplicate_contract, no_certificate_funds.',
        body: z.strictObject({
          contractId: uuid.optional(),
          certificateNumber,
          groupId: id,
          requestedOn: date,
          startDate: date,
          endDate: date.optional(),
          parentPaysAll: z.boolean().default(false),
        }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await requestContract(ledger, commandContext(request), request.body)
      return sendOutcome(reply, 201, result, body(result), ledger)
    },
  )
  r.post(
    '/v1/contracts/:contractId/acceptance',
    {
      config: { roles: ['provider', 'operator'] },
      schema: { ...base, summary: 'The provider accepts the application', params, body: z.strictObject({ acceptedOn: date }), response: responses },
    },
    async (request, reply) => {
      const result = await acceptContract(ledger, commandContext(request), { contractId: request.params.contractId, ...request.body })
      return sendOutcome(reply, 200, result, body(result), ledger)
    },
  )
  r.post(
    '/v1/contracts/:contractId/refusal',
    {
      config: { roles: ['provider', 'operator'] },
      schema: {
        ...base,
        summary: 'The provider refuses the application: the reservation and the place are given back',
        params,
        body: z.strictObject({ refusedOn: date, reason: z.string().min(1).max(500) }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await refuseContract(ledger, commandContext(request), {
        contractId: request.params.contractId,
        ...request.body,
        by: 'provider',
      })
      return sendOutcome(reply, 200, result, body(result), ledger)
    },
  )
  r.post(
    '/v1/contracts/:contractId/termination',
    {
      config: { roles: ['provider', 'operator'] },
      schema: {
        ...base,
        summary: 'Terminate a running contract: later months return to the certificate; it closes at the end of the month',
        params,
        body: z.strictObject({ terminatedOn: date, by: z.enum(['parent', 'provider']), reason: z.string().min(1).max(500) }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await terminateContract(ledger, commandContext(request), {
        contractId: request.params.contractId,
        ...request.body,
      })
      return sendOutcome(reply, 200, result, body(result), ledger)
    },
  )
  r.post(
    '/v1/contracts/:contractId/closure',
    {
      config: { roles: ['operator'] },
      schema: {
        ...base,
        summary: 'Close a contract after its termination month or its end date',
        params,
        body: z.strictObject({ closedOn: date }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await closeContract(ledger, commandContext(request), { contractId: request.params.contractId, ...request.body })
      return sendOutcome(reply, 200, result, body(result), ledger)
    },
  )

  r.post(
    '/v1/contracts/:contractId/attendance',
    {
      config: { roles: ['provider', 'operator'] },
      schema: {
        ...base,
        summary: "The provider's attendance month: lessons planned, cancelled by the provider, attended",
        description:
          'Recorded again before the month is closed, the latest counts; after the close it is refused (attendance_closed). ' +
          'Completeness = (planned − cancelled) / planned; providerCompletenessPercent may lower it further.',
        params,
        body: z.strictObject({
          month,
          lessonsPlanned: count(LIMITS.lessonsPerMonth).positive(),
          lessonsCancelledByProvider: count(LIMITS.lessonsPerMonth),
          lessonsAttended: count(LIMITS.lessonsPerMonth),
          providerCompletenessPercent: percentage.optional(),
          recordedOn: date,
        }),
        response: { 201: z.object({ streamId: z.string(), version: z.number().int().nullable() }) },
      },
    },
    async (request, reply) => {
      const { providerCompletenessPercent, ...rest } = request.body
      const bp = providerCompletenessPercent === undefined ? null : basisPoints(providerCompletenessPercent)
      const result = await recordAttendance(ledger, commandContext(request), { contractId: request.params.contractId, ...rest, providerCompletenessBp: bp })
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )

  r.post(
    '/v1/contracts/:contractId/corrections',
    {
      config: { roles: ['operator', 'payer', 'provider'] },
      schema: {
        ...base,
        summary: 'Correct a closed month of a contract: a lower completeness; the difference goes into the next final invoice',
        description: 'Nothing issued is altered. A correction may only lower the line (correction_raises_line otherwise).',
        params,
        body: z.strictObject({
          month,
          lessonsPlanned: count(LIMITS.lessonsPerMonth).positive(),
          lessonsCancelledByProvider: count(LIMITS.lessonsPerMonth),
          providerCompletenessPercent: percentage.optional(),
          reason: z.string().min(1).max(500),
          correctedOn: date,
        }),
        response: {
          201: z.object({
            streamId: z.string(),
            version: z.number().int().nullable(),
            correctionId: z.string(),
            difference: z.string(),
            correctsInvoiceId: z.string(),
          }),
        },
      },
    },
    async (request, reply) => {
      const { providerCompletenessPercent, ...rest } = request.body
      const result = await correctMonth(ledger, commandContext(request), {
        contractId: request.params.contractId,
        ...rest,
        providerCompletenessBp: providerCompletenessPercent === undefined ? null : basisPoints(providerCompletenessPercent),
      })
      return sendOutcome(reply, 201, result, { ...result, difference: money(result.difference) }, ledger)
    },
  )

  const readers = ['operator', 'payer', 'provider', 'auditor', 'reporting'] as const
  r.get(
    '/v1/contracts',
    {
      config: { roles: readers },
      schema: {
        summary: 'Contracts, a page at a time; a provider sees only its own, a payer only those it pays for',
        tags: ['contracts'],
        security: [{ bearer: [] }],
        querystring: z.object({
          providerId: id.optional(),
          municipality: id.optional(),
          certificateNumber: certificateNumber.optional(),
          status: z.enum(['requested', 'accepted', 'terminated', 'closed', 'refused']).optional(),
          after: uuid.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          ...readQuery,
        }),
        response: { 200: z.object({ items: z.array(contractView), next: z.string().nullable(), position: z.string() }) },
      },
    },
    async (request, reply) => {
      const { after, limit, minPosition, ...filter } = request.query
      const caller = callerOf(request)
      const position = await currentTo(reader, reply, ['contracts'], minPosition)
      const page = await reader.contracts.page(
        { ...filter, providerId: providerFilter(caller) ?? filter.providerId, payerId: payerFilter(caller) ?? undefined },
        after ?? null,
        limit,
      )
      return { ...page, position }
    },
  )
  r.get(
    '/v1/contracts/:contractId',
    {
      config: { roles: readers },
      schema: {
        summary: 'A contract with its quote, schedule and status; `asOf` a business date, `knownAt`/`position` what the ledger had recorded',
        description:
          'As for a certificate: asOf=YYYY-MM-DD is what was true on that business date as the ledger knows it now; knownAt or position what it had recorded by then.',
        tags: ['contracts'],
        security: [{ bearer: [] }],
        params,
        querystring: z.object({ ...asOfQuery, ...readQuery }),
        response: { 200: contractView.extend({ position: z.string(), asOf: z.string().nullable() }) },
      },
    },
    async (request, reply) => {
      const asOf = asOfFrom(request.query, timeZone)
      if (asOf) {
        const { view, position, requestedOn } = await reader.contracts.asOf(request.params.contractId, asOf)
        if (!view) {
          const why = requestedOn ? `it was requested on ${requestedOn}` : 'the ledger has no such contract then'
          throw new ProblemError(404, 'contract_not_found', 'Not found', `contract ${request.params.contractId} did not exist ${describeAsOf(asOf)}: ${why}`)
        }
        requireReach(callerOf(request), { kind: 'contract', id: view.contractId, providerId: view.providerId, payerId: view.payerId })
        reply.header('x-ledger-current-position', String(position))
        return { ...view, position: String(position), asOf: asOf.on }
      }
      const position = await currentTo(reader, reply, ['contracts'], request.query.minPosition)
      const view = await reader.contracts.view(request.params.contractId)
      if (!view) throw new ProblemError(404, 'contract_not_found', 'Not found', `no contract ${request.params.contractId}`)
      requireReach(callerOf(request), { kind: 'contract', id: view.contractId, providerId: view.providerId, payerId: view.payerId })
      return { ...view, position, asOf: null }
    },
  )
}
