import type { FastifyReply, FastifyRequest } from 'fastify'
import { messageRu, prefersRussian } from './messages-ru.ts'

/** RFC 9457 problem details; `code` is the stable machine-readable name clients switch on. */
interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  instance?: string
  errors?: { location: string; path: string; message: string }[]
  [extension: string]: unknown
}

const problemType = (code: string) => `urn:pfdo-ledger:problem:${code}`

/** Throw from a handler or hook to answer with a problem document. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail)
    this.name = 'ProblemError'
  }
}

export type ProblemInput = Pick<Problem, 'status' | 'code' | 'title' | 'detail' | 'errors'> & Record<string, unknown>

/**
 * Answers with a problem document. A client that asks for Russian first (`Accept-Language: ru`) gets the Russian
 * message of the code as `detail` (src/api/messages-ru.ts); the code and everything else stay as they are.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemInput) {
  const body: Problem = { type: problemType(problem.code), instance: request.url, ...problem }
  reply.header('vary', 'accept-language')
  const ru = prefersRussian(request.headers['accept-language']) ? messageRu(problem.code) : null
  if (ru) {
    body.detail = ru
    reply.header('content-language', 'ru')
  }
  return reply.code(problem.status).type('application/problem+json').send(body)
}
