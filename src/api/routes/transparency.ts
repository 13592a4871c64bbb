import type { FastifyContextConfig, FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { TransparencyError, type TransparencyLog } from '../../transparency/service.ts'
import { listCheckpoints, type StoredCheckpoint } from '../../transparency/tree.ts'
import { ALL_ROLES } from '../auth.ts'
import { ProblemError } from '../problem.ts'
import { uuid } from '../schemas.ts'

// The transparency log: signed checkpoints, the verifier key and proofs. Hashes only (no event's content), so any
// authenticated role may read them, and everyone when TRANSPARENCY_PUBLIC=true.

const treeSize = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const hex32 = z.string().describe('32 bytes, hex')

const CheckpointOut = z.object({
  treeSize: z.number().int(),
  root: hex32,
  createdAt: z.string(),
  note: z.string().describe('the C2SP tlog-checkpoint signed note, as published'),
})
const checkpointOut = (c: StoredCheckpoint) => ({ treeSize: c.size, root: c.root.toString('hex'), createdAt: c.createdAt.toISOString(), note: c.note })

const problemOf = (error: unknown): never => {
  if (error instanceof TransparencyError) {
    const status = error.code === 'size_out_of_range' ? 422 : 404
    throw new ProblemError(status, error.code, status === 404 ? 'Not found' : 'Refused by a rule', error.message)
  }
  throw error
}

export const transparencyRoutes: FastifyPluginAsync<{ log: TransparencyLog; public: boolean }> = async (app, { log, public: open }) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const config: FastifyContextConfig = open ? { public: true } : { roles: ALL_ROLES }
  const common = { tags: ['transparency'], ...(open ? {} : { security: [{ bearer: [] }] }) }

  r.get(
    '/v1/transparency/checkpoint',
    { config, schema: { ...common, summary: 'The latest signed checkpoint of the log (tree size and root)', response: { 200: CheckpointOut } } },
    async () => {
      const c = await log.latest()
      if (!c) throw new ProblemError(404, 'no_checkpoint', 'Not found', 'the ledger has signed no checkpoint yet')
      return checkpointOut(c)
    },
  )
  r.get(
    '/v1/transparency/checkpoints',
    {
      config,
      schema: {
        ...common,
        summary: 'Kept checkpoints from a tree size on, oldest first',
        querystring: z.strictObject({ from: treeSize.default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: { 200: z.object({ checkpoints: z.array(CheckpointOut), next: z.number().int().nullable().describe('the `from` of the next page') }) },
      },
    },
    async (request) => {
      const { from, limit } = request.query
      const kept = await listCheckpoints(log.sql, { from, limit: limit + 1 })
      return { checkpoints: kept.slice(0, limit).map(checkpointOut), next: kept.length > limit ? kept[limit]!.size : null }
    },
  )
  r.get(
    '/v1/transparency/events/:eventId/proof',
    {
      config,
      schema: {
        ...common,
        summary: "An event's inclusion proof (RFC 9162 audit path) in the tree of a checkpoint",
        params: z.strictObject({ eventId: uuid }),
        querystring: z.strictObject({ size: treeSize.min(1).optional().describe('the tree size; default the latest checkpoint') }),
        response: {
          200: z.object({
            eventId: z.string(),
            leafIndex: z.number().int(),
            eventHash: hex32,
            leafHash: hex32,
            treeSize: z.number().int(),
            proof: z.array(hex32),
            checkpoint: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => log.inclusion(request.params.eventId, request.query.size).catch(problemOf),
  )
  r.get(
    '/v1/transparency/consistency',
    {
      config,
      schema: {
        ...common,
        summary: 'A consistency proof (RFC 9162) that the tree of `from` leaves is a prefix of the tree of `to`',
        querystring: z.strictObject({ from: treeSize, to: treeSize.optional().describe('default the latest checkpoint') }),
        response: { 200: z.object({ from: z.number().int(), to: z.number().int(), proof: z.array(hex32) }) },
      },
    },
    async (request) => log.consistency(request.query.from, request.query.to).catch(problemOf),
  )
  r.get(
    '/v1/transparency/key',
    {
      config,
      schema: {
        ...common,
        summary: "The key that verifies the checkpoints' signatures (C2SP name+hash+base64) and the origin line",
        response: { 200: z.object({ verifierKey: z.string(), origin: z.string() }) },
      },
    },
    async () => {
      if (!log.verifier) throw new ProblemError(404, 'no_key', 'Not found', 'this process has no signing key')
      return { verifierKey: log.verifier.text, origin: log.origin }
    },
  )
}
