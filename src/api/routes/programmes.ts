import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Application } from '../../app/context.ts'
import { recordQualityAssessment, registerProgramme } from '../../app/registry.ts'
import { commandContext, sendOutcome } from '../commands.ts'
import { commandHeaders, date, direction, id, outcome, programmeKind } from '../schemas.ts'

export const programmeRoutes: FastifyPluginAsync<{ ledger: Application }> = async (app, { ledger }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.post(
    '/v1/programmes',
    {
      config: { roles: ['operator', 'provider'] },
      schema: {
        summary: "Register a provider's programme in one of the six directions",
        tags: ['programmes'],
        security: [{ bearer: [] }],
        headers: commandHeaders,
        body: z.strictObject({ programmeId: id, providerId: id, title: z.string().min(1).max(500), direction, kind: programmeKind }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await registerProgramme(ledger, commandContext(request), request.body)
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )
  r.post(
    '/v1/programmes/:programmeId/quality-assessments',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Record the independent quality assessment (НОК); 30 points or more certify the programme for financing',
        tags: ['programmes'],
        security: [{ bearer: [] }],
        params: z.object({ programmeId: id }),
        headers: commandHeaders,
        body: z.strictObject({ score: z.number().int().min(0).max(1000), assessedOn: date }),
        response: { 201: outcome },
      },
    },
    async (request, reply) => {
      const result = await recordQualityAssessment(ledger, commandContext(request), { programmeId: request.params.programmeId, ...request.body })
      return sendOutcome(reply, 201, result, result, ledger)
    },
  )
}
