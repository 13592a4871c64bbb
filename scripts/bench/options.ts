// Command-line options of `npm run bench`.
import { parseArgs } from 'node:util'

const PHASES = ['append', 'peer', 'scale', 'command', 'http', 'month-close', 'rebuild'] as const
export type Phase = (typeof PHASES)[number]

export interface BenchOptions {
  json: boolean
  quick: boolean
  /** Active contracts of the month close (N; N/10 is measured too). */
  contracts: number
  /** Synthetic events in the log of the scale phase's second measurement. */
  logEvents: number
  /** Contract requests of the command phase, and again of the http phase. */
  requests: number
  /** Requests in flight in the command and http phases. */
  concurrency: number
  /** Concurrent writers of the append and scale phases. */
  writers: number
  /** Seconds of each append measurement (raw and port each get this much, in two rounds). */
  seconds: number
  only: Phase[]
}

export const USAGE = `usage: npm run bench -- [--json] [--quick] [--contracts N] [--log-events N] [--requests N] [--concurrency N] [--writers N] [--seconds S] [--only ${PHASES.join(',')}]`

export class OptionsError extends Error {}

const FULL = { contracts: 100_000, logEvents: 3_000_000, requests: 3000, seconds: 10 }
const QUICK = { contracts: 500, logEvents: 100_000, requests: 200, seconds: 1.5 }

function whole(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new OptionsError(`--${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`)
  return Number(text)
}

export function parseOptions(args: string[]): BenchOptions & { help: boolean } {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean' },
        quick: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        contracts: { type: 'string' },
        'log-events': { type: 'string' },
        requests: { type: 'string' },
        concurrency: { type: 'string' },
        writers: { type: 'string' },
        seconds: { type: 'string' },
        only: { type: 'string' },
      },
    }))
  } catch (error) {
    throw new OptionsError((error as Error).message)
  }
  const base = values.quick ? QUICK : FULL
  const str = (k: string) => values[k] as string | undefined
  let seconds = base.seconds
  if (str('seconds') !== undefined) {
    const s = str('seconds')!
    if (!/^\d+(\.\d+)?$/.test(s) || Number(s) < 0.2 || Number(s) > 600)
      throw new OptionsError(`--seconds must be a number from 0.2 to 600 (got ${JSON.stringify(s)})`)
    seconds = Number(s)
  }
  let only: Phase[] = [...PHASES]
  if (str('only') !== undefined) {
    const names = str('only')!
      .split(',')
      .map((s) => s.trim())
    for (const n of names)
      if (!(PHASES as readonly string[]).includes(n)) throw new OptionsError(`--only takes ${PHASES.join(', ')} (got ${JSON.stringify(n)})`)
    only = PHASES.filter((p) => names.includes(p))
  }
  return {
    help: Boolean(values.help),
    json: Boolean(values.json),
    quick: Boolean(values.quick),
    contracts: whole('contracts', str('contracts'), base.contracts, 10, 10_000_000),
    logEvents: whole('log-events', str('log-events'), base.logEvents, 1000, 1_000_000_000),
    requests: whole('requests', str('requests'), base.requests, 1, 10_000_000),
    concurrency: whole('concurrency', str('concurrency'), 16, 1, 1000),
    writers: whole('writers', str('writers'), 8, 1, 1000),
    seconds,
    only,
  }
}
