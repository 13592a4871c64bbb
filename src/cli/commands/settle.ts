import { parseArgs } from 'node:util'
import { ProjectionReader } from '../../../projections/read.ts'
import { defaultCloseDate } from '../../api/routes/settlement.ts'
import { systemMetadata } from '../../app/context.ts'
import { closeMonth } from '../../app/month-close.ts'
import { isValidDate, isValidMonth } from '../../domain/dates.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

/** `ledger settle --municipality M --month YYYY-MM [--closed-on DATE]`: the month close, as the API does it. */
export async function settleCommand(args: string[]): Promise<number> {
  let values: { municipality?: string; month?: string; 'closed-on'?: string }
  try {
    values = parseArgs({ args, options: { municipality: { type: 'string' }, month: { type: 'string' }, 'closed-on': { type: 'string' } }, strict: true }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (!values.municipality || !values.month) throw new UsageError('usage: ledger settle --municipality M --month YYYY-MM [--closed-on YYYY-MM-DD]')
  if (!isValidMonth(values.month)) throw new UsageError(`--month: ${JSON.stringify(values.month)} is not a month YYYY-MM`)
  if (values['closed-on'] && !isValidDate(values['closed-on']))
    throw new UsageError(`--closed-on: ${JSON.stringify(values['closed-on'])} is not a date YYYY-MM-DD`)
  const runtime = await openRuntime()
  try {
    const reader = new ProjectionReader(runtime.db.sql, runtime.store)
    const outcome = await closeMonth(
      runtime.ledger,
      { metadata: systemMetadata('settle', `settle:${values.municipality}:${values.month}`) },
      { municipality: values.municipality, month: values.month, closedOn: values['closed-on'] ?? defaultCloseDate(values.month) },
      (m) => reader.contracts.openIds(m),
    )
    process.stdout.write(`${JSON.stringify(outcome)}\n`)
    return 0
  } finally {
    await runtime.close()
  }
}
