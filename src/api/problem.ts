import type { FastifyReply, FastifyRequest } from 'fastify'

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

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemInput) {
  const body: Problem = { type: problemType(problem.code), instance: request.url, ...problem }
  return reply.code(problem.status).type('application/problem+json').send(body)
}
