import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ProjectionReader } from '../../../projections/read.ts'
import { requireReach } from '../../app/scope.ts'
import { effectiveOn } from '../../audit/as-of.ts'
import { certificateHistory, type HistoryEntry, inBusinessOrder } from '../../audit/history.ts'
import type { EventStore } from '../../store/port.ts'
import { callerOf } from '../auth.ts'
import { ProblemError } from '../problem.ts'
import { asOfFrom, asOfQuery, describeAsOf, requireCertificateScope } from '../reads.ts'
import { amountOut, certificateNumber, money, uuid } from '../schemas.ts'

const entry = z.object({
  globalPosition: z.string(),
  streamId: z.string(),
  streamPosition: z.number().int(),
  eventId: z.string(),
  type: z.string(),
  businessDate: z.string().nullable(),
  recordedAt: z.string(),
  actor: z.string().describe('who caused it: role:tokenId of the API caller, or system:…'),
  correlationId: z.string(),
  causationId: z.string().nullable(),
  money: z
    .object({
      periodId: z.string(),
      balanceBefore: amountOut,
      balanceAfter: amountOut,
      reservedBefore: amountOut,
      reservedAfter: amountOut,
      spentBefore: amountOut,
      spentAfter: amountOut,
    })
    .nullable(),
  data: z.unknown(),
  hash: z.string(),
})

const shown = (h: HistoryEntry) => ({
  ...h,
  money: h.money && {
    periodId: h.money.periodId,
    balanceBefore: money(h.money.balanceBefore),
    balanceAfter: money(h.money.balanceAfter),
    reservedBefore: money(h.money.reservedBefore),
    reservedAfter: money(h.money.reservedAfter),
    spentBefore: money(h.money.spentBefore),
    spentAfter: money(h.money.spentAfter),
  },
})

export const historyRoutes: FastifyPluginAsync<{ store: EventStore; reader: ProjectionReader; timeZone: string }> = async (
  app,
  { store, reader, timeZone },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const description =
    "In the order of the business dates (the log's order within a day). asOf=YYYY-MM-DD keeps what was effective on or before " +
    'that business date, as the ledger knows it now; knownAt (YYYY-MM-DD or an ISO instant) or position=N keeps what the ledger had ' +
    'recorded by then; the two combine.'
  r.get(
    '/v1/certificates/:number/history',
    {
      config: { roles: ['auditor', 'operator', 'payer'] },
      schema: {
        summary: "Every event that touched a certificate: business date, recorded time, actor, correlation id, the money's effect",
        description,
        tags: ['audit'],
        security: [{ bearer: [] }],
        params: z.object({ number: certificateNumber }),
        querystring: z.object(asOfQuery),
        response: { 200: z.object({ certificateNumber: z.string(), asOf: z.string().nullable(), events: z.array(entry) }) },
      },
    },
    async (request) => {
      const asOf = asOfFrom(request.query, timeZone) ?? { on: null, known: {} }
      const known = await store.readTouching({ certificateNumber: request.params.number }, asOf.known)
      const issued = known.find((e) => e.type === 'CertificateIssued')
      if (!issued) throw new ProblemError(404, 'certificate_not_found', 'Not found', `no certificate ${request.params.number}`)
      await requireCertificateScope(reader, request, await reader.certificates.view(request.params.number), request.params.number)
      const events = known.filter(effectiveOn(asOf.on))
      if (!events.some((e) => e.type === 'CertificateIssued')) {
        throw new ProblemError(
          404,
          'certificate_not_found',
          'Not found',
          `certificate ${request.params.number} did not exist ${describeAsOf(asOf)}: it was issued on ${(issued.data as { issuedOn: string }).issuedOn}`,
        )
      }
      return { certificateNumber: request.params.number, asOf: asOf.on, events: certificateHistory(events).map(shown) }
    },
  )
  r.get(
    '/v1/contracts/:contractId/history',
    {
      config: { roles: ['auditor', 'operator', 'payer', 'provider'] },
      schema: {
        summary: 'Every event that touched a contract, with the effect on its certificate’s money',
        description,
        tags: ['audit'],
        security: [{ bearer: [] }],
        params: z.object({ contractId: uuid }),
        querystring: z.object(asOfQuery),
        response: { 200: z.object({ contractId: z.string(), certificateNumber: z.string(), asOf: z.string().nullable(), events: z.array(entry) }) },
      },
    },
    async (request) => {
      const asOf = asOfFrom(request.query, timeZone) ?? { on: null, known: {} }
      const own = await store.readTouching({ contractId: request.params.contractId }, asOf.known)
      const requested = own.find((e) => e.type === 'ContractRequested')
      if (!requested) throw new ProblemError(404, 'contract_not_found', 'Not found', `no contract ${request.params.contractId}`)
      const d = requested.data as { certificateNumber: string; providerId: string; municipality: string; requestedOn: string }
      const payerId = (requested.data as { payerId: string | null }).payerId
      requireReach(callerOf(request), { kind: 'contract', id: request.params.contractId, providerId: d.providerId, payerId })
      const within = effectiveOn(asOf.on)
      if (!within(requested))
        throw new ProblemError(
          404,
          'contract_not_found',
          'Not found',
          `contract ${request.params.contractId} did not exist ${describeAsOf(asOf)}: it was requested on ${d.requestedOn}`,
        )
      // The money effect needs the certificate's whole history up to each event; the contract's are then kept.
      const trail = new Map(
        certificateHistory((await store.readTouching({ certificateNumber: d.certificateNumber }, asOf.known)).filter(within)).map((h) => [h.eventId, h]),
      )
      const events = inBusinessOrder(own.filter(within)).map((e) => trail.get(e.eventId) ?? { ...certificateHistory([e])[0]!, money: null })
      return { contractId: request.params.contractId, certificateNumber: d.certificateNumber, asOf: asOf.on, events: events.map(shown) }
    },
  )
}
