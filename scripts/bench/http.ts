// http: contract requests/s and latency over HTTP on loopback: the real fastify server of the ledger on
// 127.0.0.1 (port chosen by the system) and a client in a worker thread, so the client's own work does not run on
// the server's event loop. A fixed number of connections each sends its next request when the previous one was
// answered; every request names a certificate of its own. Bounded by count and by time.
import { Worker } from 'node:worker_threads'
import { buildServer } from '../../src/api/server.ts'
import { createToken } from '../../src/auth/tokens.ts'
import type { Database } from '../../src/db/database.ts'
import type { EventStore } from '../../src/store/port.ts'
import { type ContractRequestSpec, REQUESTED_ON, START_DATE, type ThroughputReport } from './command.ts'
import { percentile } from './measure.ts'

// Plain JavaScript: a worker started from a string runs without the TypeScript loader.
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads')
const http = require('node:http')
const { url, token, bodies, concurrency, maxSeconds } = workerData
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
const target = new URL(url)
const latencies = []
const statuses = {}
let next = 0
const started = performance.now()
const deadline = started + maxSeconds * 1000
function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path: '/v1/contracts', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer ' + token } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('error', reject)
    req.end(body)
  })
}
async function connection() {
  while (next < bodies.length && performance.now() < deadline) {
    const body = bodies[next++]
    const t0 = performance.now()
    const status = await post(body)
    latencies.push(performance.now() - t0)
    statuses[status] = (statuses[status] || 0) + 1
  }
}
Promise.all(Array.from({ length: concurrency }, connection)).then(() => {
  agent.destroy()
  parentPort.postMessage({ latencies, statuses, seconds: (performance.now() - started) / 1000 })
}, (error) => { throw error })
`

interface ClientResult {
  latencies: number[]
  statuses: Record<string, number>
  seconds: number
}

export async function measureHttp(
  db: Database,
  store: EventStore,
  requests: ContractRequestSpec[],
  options: { concurrency: number; maxSeconds: number },
): Promise<ThroughputReport & { statuses: Record<string, number> }> {
  // Both rate limits off: the figure is the ledger's, not the limiter's (one token sends every request).
  const server = await buildServer({ db, store, logger: false, rateLimits: { authFailuresPerMinute: 0, requestsPerTokenPerMinute: 0 } })
  try {
    const url = await server.listen({ host: '127.0.0.1', port: 0 })
    const { token } = await createToken(db.sql, { role: 'operator', label: 'bench' })
    const bodies = requests.map((r) =>
      JSON.stringify({ certificateNumber: r.certificateNumber, groupId: r.groupId, requestedOn: REQUESTED_ON, startDate: START_DATE }),
    )
    const result = await new Promise<ClientResult>((resolve, reject) => {
      const worker = new Worker(CLIENT, { eval: true, workerData: { url, token, bodies, concurrency: options.concurrency, maxSeconds: options.maxSeconds } })
      worker.once('message', resolve)
      worker.once('error', reject)
      worker.once('exit', (code) => code !== 0 && reject(new Error(`the HTTP client stopped with exit code ${code}`)))
    })
    const done = result.latencies.length
    return {
      perSecond: Math.round(done / result.seconds),
      p50Ms: percentile(result.latencies, 50),
      p99Ms: percentile(result.latencies, 99),
      requests: done,
      errors: done - (result.statuses['201'] ?? 0),
      concurrency: options.concurrency,
      seconds: Math.round(result.seconds * 100) / 100,
      statuses: result.statuses,
    }
  } finally {
    await server.close()
  }
}
