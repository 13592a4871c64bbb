import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { periodsNamePayer } from '../../../projections/organisations/read.ts'
import type { ProjectionReader } from '../../../projections/read.ts'
import type { Application } from '../../app/context.ts'
import { unknownOrganisation } from '../../app/organisations.ts'
import { createToken, listTokens, ROLES, revokeToken, type TokenInfo } from '../../auth/tokens.ts'
import type { Sql } from '../../db/database.ts'
import { DomainError } from '../../domain/errors.ts'
import { ProblemError } from '../problem.ts'
import { date, id, uuid } from '../schemas.ts'

// The operator manages tokens over HTTP too: with the embedded database the server holds it, so while it runs the
// CLI cannot open it to create or revoke one.

const tokenView = z.object({
  tokenId: z.string(),
  role: z.enum(ROLES),
  providerId: z.string().nullable(),
  payerId: z.string().nullable(),
  label: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  state: z.enum(['active', 'expired', 'revoked']),
})

const view = (t: TokenInfo): z.infer<typeof tokenView> => ({
  ...t,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
})

export const tokenRoutes: FastifyPluginAsync<{ sql: Sql; ledger: Application; reader: ProjectionReader }> = async (app, { sql, ledger, reader }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const common = { config: { roles: ['operator' as const] }, schema: { tags: ['access'], security: [{ bearer: [] }] } }
  r.get(
    '/v1/tokens',
    {
      ...common,
      schema: {
        ...common.schema,
        summary: 'The API tokens (never the tokens themselves): those that authenticate, or all with all=true',
        querystring: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ tokens: z.array(tokenView) }) },
      },
    },
    async (request) => ({ tokens: (await listTokens(sql, { all: request.query.all === 'true' })).map(view) }),
  )
  r.post(
    '/v1/tokens',
    {
      ...common,
      schema: {
        ...common.schema,
        summary: 'Create a token; the answer holds the token itself, the only copy there will be',
        body: z.strictObject({
          role: z.enum(ROLES),
          providerId: id.optional(),
          payerId: id.optional(),
          label: z.string().min(1).max(200).optional(),
          expiresOn: date.optional().describe('the first day the token no longer works (from 00:00 UTC)'),
        }),
        response: { 201: tokenView.extend({ token: z.string() }) },
      },
    },
    async (request, reply) => {
      const { role, providerId, payerId, label, expiresOn } = request.body
      // A payer or a provider the ledger does not know (registered, or a payer a period names) gets no token.
      const organisation =
        role === 'provider' && providerId
          ? { kind: 'provider' as const, id: providerId }
          : role === 'payer' && payerId
            ? { kind: 'payer' as const, id: payerId }
            : null
      const unknown = organisation && (await unknownOrganisation(ledger, organisation.kind, organisation.id, (p) => periodsNamePayer(reader, p)))
      if (unknown)
        throw new DomainError('organisation_unknown', unknown, {
          field: organisation.kind === 'payer' ? 'payerId' : 'providerId',
        })
      const created = await createToken(sql, {
        role,
        providerId: providerId ?? null,
        payerId: payerId ?? null,
        label: label ?? null,
        expiresAt: expiresOn ? new Date(`${expiresOn}T00:00:00Z`) : null,
      }).catch((error: Error) => {
        throw error.name === 'TokenScopeError' ? new ProblemError(422, 'token_scope', 'Token scope', error.message) : error
      })
      return reply.code(201).send({ ...view(created.info), token: created.token })
    },
  )
  r.post(
    '/v1/tokens/:tokenId/revocation',
    {
      ...common,
      schema: {
        ...common.schema,
        summary: 'Revoke a token at once; revoking a revoked token answers it unchanged',
        params: z.object({ tokenId: uuid }),
        response: { 200: tokenView },
      },
    },
    async (request) => {
      const revoked = await revokeToken(sql, request.params.tokenId)
      if (!revoked) throw new ProblemError(404, 'token_not_found', 'Not found', `no token has the id ${request.params.tokenId}`)
      return view(revoked)
    },
  )
}
