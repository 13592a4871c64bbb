import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { ProjectionReader } from '../../../projections/read.ts'
import { decodeStatement, importStatement, parseStatement, StatementFormatError } from '../../app/bank-statement.ts'
import { IMPORT_COLUMNS, IMPORT_KINDS, type ImportKind, importFile } from '../../app/import.ts'
import { todayIn } from '../../audit/as-of.ts'
import { formatAmount } from '../../domain/money.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

/** `ledger import <kind> --file F`: rows through the ledger's commands; rejected rows listed; safe to rerun. */
export async function importCommand(args: string[]): Promise<number> {
  const [kind, ...rest] = args
  if (kind === 'payments') return importPayments(rest)
  if (!kind || !(IMPORT_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`usage: ledger import <${[...IMPORT_KINDS, 'payments'].join('|')}> --file FILE`)
  }
  let file: string | undefined
  try {
    file = parseArgs({ args: rest, options: { file: { type: 'string' } }, strict: true }).values.file
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (!file) throw new UsageError(`--file is required (columns: ${IMPORT_COLUMNS[kind as ImportKind].join(';')})`)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  const runtime = await openRuntime()
  try {
    const report = await importFile(runtime.ledger, kind as ImportKind, text, file)
    for (const r of report.rejected) process.stderr.write(`${file}:${r.line}: ${r.code}: ${r.message}\n`)
    process.stdout.write(`${report.rows} rows: ${report.imported} imported, ${report.alreadyImported} already imported, ${report.rejected.length} rejected\n`)
    return report.rejected.length > 0 ? 1 : 0
  } finally {
    await runtime.close()
  }
}

/** `ledger import payments --file statement.txt`: a 1CClientBankExchange statement matched to invoices. */
async function importPayments(args: string[]): Promise<number> {
  let file: string | undefined
  try {
    file = parseArgs({ args, options: { file: { type: 'string' } }, strict: true }).values.file
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (!file) throw new UsageError('--file is required: a 1CClientBankExchange statement (windows-1251 or UTF-8)')
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(file)
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  const text = decodeStatement(bytes)
  try {
    parseStatement(text) // a malformed statement is refused before the database is opened
  } catch (error) {
    // Named like a rejected row: FILE:LINE: what is wrong.
    if (error instanceof StatementFormatError)
      throw new StatementFormatError(error.message.replace(/^(?:line (\d+): )?/, (_, line?: string) => `${file}:${line ? `${line}:` : ''} `))
    throw error
  }
  const runtime = await openRuntime()
  try {
    const reader = new ProjectionReader(runtime.db.sql, runtime.store)
    const report = await importStatement(runtime.ledger, text, file, (n) => reader.invoices.idByNumber(n), todayIn(runtime.config.LEDGER_TIME_ZONE))
    for (const u of report.unmatched) {
      process.stderr.write(
        `${file}:${u.line}: payment order ${u.number} of ${u.date} for ${formatAmount(u.amount)} not recorded: ${u.reason} (purpose: ${u.purpose})\n`,
      )
    }
    process.stdout.write(
      `${report.orders} payment orders: ${report.recorded} recorded, ${report.alreadyRecorded} already recorded, ${report.unmatched.length} unmatched\n`,
    )
    return report.unmatched.length > 0 ? 1 : 0
  } finally {
    await runtime.close()
  }
}
