import type { RouteOptions } from 'fastify'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import { DOMAIN_ERRORS } from '../domain/errors.ts'

// What /openapi.json says a route can answer besides its success: every problem+json response with the codes it can
// carry, and every media type of the success (CSV, XLSX, PDF, text), so that a generated client handles them. Only
// the document changes; the answers themselves are sent by the error handler and the routes.

const PROBLEM = 'application/problem+json'

/** Media types by the value of a route's `format` query parameter. */
const FORMAT_MEDIA_TYPES: Record<string, string> = {
  json: 'application/json',
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
  text: 'text/plain',
  txt: 'text/plain',
}

const domainCodes = (status: number) =>
  Object.entries(DOMAIN_ERRORS)
    .filter(([, s]) => s === status)
    .map(([code]) => code)

/** The codes each status can carry on a route of this kind; kept beside the error handler's own names. */
function problemCodes(method: string, hasParams: boolean, authenticated: boolean): Record<number, string[]> {
  const command = method !== 'GET'
  const codes: Record<number, string[]> = {
    400: ['validation_failed', 'bad_request', 'malformed_json', ...domainCodes(400)],
    500: ['internal_error'],
    503: ['database_unavailable', ...(command ? [] : ['projection_behind'])],
  }
  if (authenticated) {
    codes[401] = ['unauthorized']
    codes[403] = ['forbidden']
    codes[429] = ['rate_limited']
  }
  if (hasParams || command) codes[404] = [...domainCodes(404), 'stream_not_found', 'not_found']
  if (command) {
    codes[409] = [...domainCodes(409), 'wrong_expected_version', 'duplicate_event_id']
    codes[412] = ['precondition_failed']
    codes[413] = ['body_too_large']
    codes[422] = domainCodes(422)
  } else {
    codes[422] = ['date_in_future']
  }
  return codes
}

/** The `code` member of a problem: one of these codes. */
const codeProperty = (codes: string[]) => ({ type: 'string', enum: codes })

const problemResponse = (codes: string[]) => ({
  description: `problem+json (RFC 9457); code: ${codes.join(', ')}`,
  content: {
    [PROBLEM]: {
      schema: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail', 'code'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: codeProperty(codes),
          instance: { type: 'string' },
          errors: {
            type: 'array',
            items: { type: 'object', properties: { location: { type: 'string' }, path: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
  },
})

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Media types the route's success answers in besides those its `format` parameter names (text, say). */
    mediaTypes?: readonly string[]
  }
}

type Transformed = ReturnType<typeof jsonSchemaTransform>
type JsonSchema = { properties?: Record<string, { enum?: string[] }>; [key: string]: unknown }

/** The route's JSON schemas (from zod) with its problem responses and its success's media types added. */
export function documentRoute(input: Parameters<typeof jsonSchemaTransform>[0]): Transformed {
  const out = jsonSchemaTransform(input)
  const route = input.route as RouteOptions
  if (!input.url.startsWith('/v1/')) return out
  const schema = out.schema as { response?: Record<string, unknown>; querystring?: JsonSchema; hide?: boolean }
  const method = [route.method].flat()[0] ?? 'GET'
  const response: Record<string, unknown> = { ...(schema.response ?? {}) }
  const codes = problemCodes(method, input.url.includes(':'), Boolean(route.config?.roles))
  for (const [status, list] of Object.entries(codes)) if (!(status in response)) response[status] = problemResponse(list)

  const formats = schema.querystring?.properties?.format?.enum ?? []
  const mediaTypes = [...new Set([...formats.map((f) => FORMAT_MEDIA_TYPES[f]).filter(Boolean), ...(route.config?.mediaTypes ?? [])])] as string[]
  const success = Object.keys(response).find((s) => /^2/.test(s)) ?? '200'
  if (mediaTypes.length > 0) {
    const json = (response[success] as Record<string, unknown> | undefined) ?? {}
    const content: Record<string, unknown> = {}
    for (const type of mediaTypes) content[type] = type === 'application/json' ? { schema: json } : { schema: { type: 'string', format: 'binary' } }
    response[success] = { description: `one of: ${mediaTypes.join(', ')}`, content }
  }
  return { ...out, schema: { ...schema, response } } as Transformed
}
