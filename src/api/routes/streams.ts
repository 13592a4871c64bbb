import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { EventStore } from '../../store/port.ts'

const RawEvent = z.object({
  eventId: z.string(),
  streamId: z.string(),
  streamPosition: z.number().int(),
  globalPosition: z.string().describe('decimal integer'),
  transactionId: z.string().describe('decimal integer'),
  type: z.string(),
  schemaVersion: z.number().int(),
  data: z.unknown(),
  metadata: z.record(z.string(), z.unknown()),
  recordedAt: z.string(),
  prevHash: z.string(),
  hash: z.string(),
})

export const streamRoutes: FastifyPluginAsync<{ store: EventStore }> = async (app, { store }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/streams/:streamId/events',
    {
      config: { roles: ['auditor', 'operator'] },
      schema: {
        summary: "A stream's raw events with their positions and hashes, for auditors",
        tags: ['audit'],
        security: [{ bearer: [] }],
        params: z.object({ streamId: z.string().min(1).max(200) }),
        querystring: z.object({
          from: z.coerce.number().int().min(0).default(0).describe('first stream position, inclusive'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: {
          200: z.object({
            streamId: z.string(),
            version: z.number().int().describe('position of the last event of the stream'),
            events: z.array(RawEvent),
            next: z.number().int().nullable().describe('the `from` of the next page, null at the end'),
          }),
        },
      },
    },
    async (request) => {
      const { streamId } = request.params
      const { from, limit } = request.query
      const events = await store.readStream(streamId, { from, limit })
      const version = (await store.streamVersion(streamId)) ?? -1
      const last = events[events.length - 1]
      return {
        streamId,
        version,
        next: last && last.streamPosition < version ? last.streamPosition + 1 : null,
        events: events.map((e) => ({
          eventId: e.eventId,
          streamId: e.streamId,
          streamPosition: e.streamPosition,
          globalPosition: e.globalPosition.toString(),
          transactionId: e.transactionId.toString(),
          type: e.type,
          schemaVersion: e.schemaVersion,
          data: e.data,
          metadata: e.metadata,
          recordedAt: e.recordedAt.toISOString(),
          prevHash: e.prevHash,
          hash: e.hash,
        })),
      }
    },
  )
}
