import readline from 'node:readline'
import { parseArgs } from 'node:util'
import { QuoteInputError } from '../../domain/pricing.ts'
import { quoteFromText, quoteToText } from '../../domain/quote-request.ts'
import { UsageError } from '../usage.ts'

/**
 * `ledger quote`: the exact contract quote of domain.md, with no database. One request from flags, or with
 * --stdin one JSON request per line and one JSON result per line (an error object for a bad line, exit 1).
 */
export async function quoteCommand(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>
  const joined = joinNegativeValues(args)
  try {
    values = parseArgs({
      args: joined,
      options: {
        'group-start': { type: 'string' },
        'group-end': { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
        price: { type: 'string' },
        normative: { type: 'string' },
        balance: { type: 'string' },
        stdin: { type: 'boolean' },
      },
      strict: true,
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.stdin) return quoteLines()
  const quote = quoteOrUsage({
    groupStart: values['group-start'],
    groupEnd: values['group-end'],
    start: values.start,
    end: values.end,
    price: values.price,
    normative: values.normative,
    balance: values.balance,
  })
  process.stdout.write(`${JSON.stringify(quoteToText(quote))}\n`)
  return 0
}

/** `--price -9000.00` would read as an ambiguous option; `--price=-9000.00` lets the amount check name the problem. */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const next = args[i + 1]
    if (/^--[a-z-]+$/.test(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`)
      i++
    } else out.push(arg)
  }
  return out
}

function quoteOrUsage(request: Record<string, unknown>) {
  const flags: Record<string, string> = { groupStart: '--group-start', groupEnd: '--group-end' }
  for (const [k, v] of Object.entries(request)) if (v === undefined) delete request[k]
  try {
    return quoteFromText(request)
  } catch (error) {
    if (error instanceof QuoteInputError) {
      throw new UsageError(error.message.replace(/^(groupStart|groupEnd|start|end|price|normative|balance)\b/, (f) => flags[f] ?? `--${f}`))
    }
    throw error
  }
}

async function quoteLines(): Promise<number> {
  let failed = 0
  let line = 0
  for await (const text of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    line++
    if (text.trim() === '') continue
    try {
      let request: unknown
      try {
        request = JSON.parse(text)
      } catch {
        throw new QuoteInputError('request_invalid', 'not a JSON object')
      }
      process.stdout.write(`${JSON.stringify(quoteToText(quoteFromText(request as Record<string, unknown>)))}\n`)
    } catch (error) {
      if (!(error instanceof QuoteInputError)) throw error
      failed++
      process.stdout.write(`${JSON.stringify({ error: { line, code: error.code, message: error.message } })}\n`)
      process.stderr.write(`ledger: line ${line}: ${error.message}\n`)
    }
  }
  return failed > 0 ? 1 : 0
}
