import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
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
import { commandContext, sendOutcome } from '../commands.ts'
import { certificateNumber, certificateType, commandHeaders, date, id } from '../schemas.ts'

const certificateOutcome = z.object({
  streamId: z.string(),
  version: z.number().int().nullable(),
  certificateNumber: z.string(),
  type: certificateType,
  queuePosition: z.number().int().nullable().describe('set while the certificate waits for a financing place'),
})

/** 202 when the certificate waits in the financing queue (the cap is reached), 201/200 otherwise. */
const statusOf = (o: CertificateOutcome, created: boolean) => (o.queuePosition !== null ? 202 : created ? 201 : 200)

export const certificateRoutes: FastifyPluginAsync<{ ledger: Application }> = async (app, { ledger }) => {
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
        body: z.object({ certificateNumber, municipality: id, birthDate: date, issuedOn: date, type: certificateType, periodId: id.optional() }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await issueCertificate(ledger, commandContext(request), request.body)
      return sendOutcome(reply, statusOf(result, true), result, result)
    },
  )
  r.post(
    '/v1/certificates/:number/activation',
    {
      config: { roles: ['operator'] },
      schema: { ...base, summary: "Activate: the parent confirmed the child's data", params, body: z.object({ activatedOn: date }), response: responses },
    },
    async (request, reply) => {
      const result = await activateCertificate(ledger, commandContext(request), { certificateNumber: request.params.number, ...request.body })
      return sendOutcome(reply, 200, result, result)
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
        body: z.object({ to: certificateType, periodId: id, on: date }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await changeCertificateType(ledger, commandContext(request), { certificateNumber: request.params.number, ...request.body })
      return sendOutcome(reply, statusOf(result, false), result, result)
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
        body: z.object({ periodId: id, on: date }),
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await freezeCertificate(ledger, commandContext(request), { certificateNumber: request.params.number, ...request.body })
      return sendOutcome(reply, 200, result, result)
    },
  )
  r.post(
    '/v1/certificates/:number/unfreeze',
    {
      config: { roles: ['operator'] },
      schema: { ...base, summary: 'Unfreeze in a later period (a financing certificate needs a free place)', params, body: z.object({ periodId: id, on: date }), response: responses },
    },
    async (request, reply) => {
      const result = await unfreezeCertificate(ledger, commandContext(request), { certificateNumber: request.params.number, ...request.body })
      return sendOutcome(reply, 200, result, result)
    },
  )
  r.post(
    '/v1/certificates/:number/nominal-credits',
    {
      config: { roles: ['operator'] },
      schema: { ...base, summary: "Credit a financing certificate with a new period's nominal (period rollover)", params, body: z.object({ periodId: id, on: date }), response: responses },
    },
    async (request, reply) => {
      const result = await creditNominal(ledger, commandContext(request), { certificateNumber: request.params.number, ...request.body })
      return sendOutcome(reply, 201, result, result)
    },
  )
}
