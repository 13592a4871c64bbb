import { Application } from '../app/context.ts'
import { type Config, loadConfig } from '../config/config.ts'
import { type Database, openDatabase } from '../db/database.ts'
import { prepareDatabase } from '../db/setup.ts'
import type { EventStore } from '../store/port.ts'
import { EventStoreDbEventStore } from '../store/eventstoredb/eventstoredb-event-store.ts'
import { PostgresEventStore } from '../store/postgres/postgres-event-store.ts'

/** What every command that touches the ledger needs: its configuration, its database (PostgreSQL) and its log. */
export interface Runtime {
  config: Config
  db: Database
  store: EventStore
  ledger: Application
  close(): Promise<void>
}

export async function openRuntime(options: { migrate?: boolean } = {}): Promise<Runtime> {
  const config = loadConfig()
  const db = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.LEDGER_DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeout: config.DATABASE_CONNECT_TIMEOUT,
  })
  try {
    if (options.migrate !== false) await prepareDatabase(db.sql)
  } catch (error) {
    await db.close()
    throw error
  }
  // With EVENTSTORE_CONNECTION_STRING the log lives in EventStoreDB; projections, their checkpoints and tokens
  // stay in PostgreSQL (DATABASE_URL or the embedded one) either way.
  if (config.EVENTSTORE_CONNECTION_STRING) {
    const store = EventStoreDbEventStore.connect(config.EVENTSTORE_CONNECTION_STRING)
    const close = async () => {
      await store.close().catch(() => {})
      await db.close()
    }
    return { config, db, store, ledger: new Application(store), close }
  }
  // The embedded database runs one query at a time: one batch in flight gathers the most into the next.
  const store = new PostgresEventStore(db.sql, { batchesInFlight: db.kind === 'embedded' ? 1 : 2 })
  return { config, db, store, ledger: new Application(store), close: () => db.close() }
}
