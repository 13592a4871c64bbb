import { parseArgs } from 'node:util'
import { prepareDatabase } from '../../db/setup.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

export async function migrateCommand(args: string[]): Promise<void> {
  try {
    parseArgs({ args, options: {}, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const runtime = await openRuntime({ migrate: false, create: true })
  try {
    const report = await prepareDatabase(runtime.db.sql)
    for (const id of report.applied) process.stdout.write(`applied ${id}\n`)
    process.stdout.write(`${report.applied.length} applied, ${report.alreadyApplied.length} already applied (${runtime.db.kind} database)\n`)
  } finally {
    await runtime.close()
  }
}
