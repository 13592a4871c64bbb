import { parseArgs } from 'node:util'
import { EventStoreDbEventStore } from '../../store/eventstoredb/eventstoredb-event-store.ts'
import { migrateLog } from '../../store/migrate-log.ts'
import { formatLogPosition } from '../../store/port.ts'
import { PostgresEventStore } from '../../store/postgres/postgres-event-store.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

/**
 * `ledger migrate-log --to eventstoredb`: copies the PostgreSQL log (DATABASE_URL, or the embedded one) into
 * the EventStoreDB named by EVENTSTORE_CONNECTION_STRING, preserving ids, order and hashes; safe to run again.
 */
export async function migrateLogCommand(args: string[]): Promise<number> {
  let values: { to?: string; 'batch-size'?: string }
  try {
    ;({ values } = parseArgs({ args, options: { to: { type: 'string' }, 'batch-size': { type: 'string' } }, strict: true, allowPositionals: false }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.to !== 'eventstoredb') throw new UsageError('migrate-log needs --to eventstoredb (the only target)')
  const batchSize = values['batch-size'] === undefined ? 1000 : Number(values['batch-size'])
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new UsageError('--batch-size is a whole number from 1 to 100000')
  if (!process.env.EVENTSTORE_CONNECTION_STRING)
    throw new UsageError('migrate-log --to eventstoredb needs EVENTSTORE_CONNECTION_STRING naming the target EventStoreDB')
  const runtime = await openRuntime()
  try {
    if (!(runtime.store instanceof EventStoreDbEventStore)) {
      throw new UsageError('migrate-log --to eventstoredb needs EVENTSTORE_CONNECTION_STRING naming the target EventStoreDB')
    }
    // The source is always the PostgreSQL log, whatever the runtime's own store is.
    const source = new PostgresEventStore(runtime.db.sql)
    const report = await migrateLog(source, runtime.store, {
      batchSize,
      onProgress: (r) => process.stderr.write(`copied ${r.copied}, skipped ${r.skipped}\r`),
    })
    process.stdout.write(
      `${report.copied} events copied, ${report.skipped} already there, ${report.streams} streams, up to ${formatLogPosition(report.position)}; ` +
        'now run `ledger verify` with EVENTSTORE_CONNECTION_STRING set\n',
    )
    return 0
  } finally {
    await runtime.close()
  }
}
