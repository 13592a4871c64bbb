import fs from 'node:fs'
import path from 'node:path'
import { Application } from '../app/context.ts'
import { type Config, loadConfig } from '../config/config.ts'
import { type Database, openDatabase } from '../db/database.ts'
import { prepareDatabase } from '../db/setup.ts'
import type { EventStore } from '../store/port.ts'
import { PostgresEventStore } from '../store/postgres/postgres-event-store.ts'

/** What every command that touches the ledger needs: its configuration, its database (PostgreSQL) and its log. */
export interface Runtime {
  config: Config
  db: Database
  store: EventStore
  ledger: Application
  close(): Promise<void>
}

/** A command that only reads or checks a ledger was pointed at a place that holds none (a typo, say). */
class NoLedgerError extends Error {
  constructor(place: string) {
    super(`no ledger in ${place}; run \`ledger migrate\` to create one there, or point LEDGER_DATA_DIR or DATABASE_URL at an existing one`)
    this.name = 'NoLedgerError'
  }
}

/**
 * Opens the ledger the configuration names. Only the commands that create a ledger (`migrate`, `serve`, `simulate`,
 * the demo) pass `create: true`; every other one stops with one line when the place holds no ledger, rather than
 * create an empty one and report on it.
 */
export async function openRuntime(options: { migrate?: boolean; create?: boolean } = {}): Promise<Runtime> {
  const config = loadConfig()
  const place = config.DATABASE_URL
    ? `the database ${describeUrl(config.DATABASE_URL)}`
    : config.LEDGER_DATA_DIR.startsWith('memory://')
      ? `${config.LEDGER_DATA_DIR} (LEDGER_DATA_DIR: an in-memory ledger starts empty)`
      : `${path.resolve(config.LEDGER_DATA_DIR)} (LEDGER_DATA_DIR)`
  if (!options.create && !config.DATABASE_URL && !fs.existsSync(path.join(config.LEDGER_DATA_DIR, 'pgdata'))) throw new NoLedgerError(place)
  const db = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.LEDGER_DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeout: config.DATABASE_CONNECT_TIMEOUT,
  })
  try {
    if (!options.create) {
      const [row] = await db.sql<{ found: boolean }[]>`SELECT to_regclass('ledger.events') IS NOT NULL AS found`
      if (!row?.found) throw new NoLedgerError(place)
    }
    if (options.migrate !== false) await prepareDatabase(db.sql)
  } catch (error) {
    await db.close()
    throw error
  }
  // With EVENTSTORE_CONNECTION_STRING the log lives in EventStoreDB; projections, their checkpoints and tokens
  // stay in PostgreSQL (DATABASE_URL or the embedded one) either way.
  if (config.EVENTSTORE_CONNECTION_STRING) {
    // Loaded only here: its gRPC client takes a quarter of a second to load, which every other run would pay.
    const { EventStoreDbEventStore } = await import('../store/eventstoredb/eventstoredb-event-store.ts')
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

/** A database URL without its password, to name it in a message. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.pathname.replace(/^\//, '')} on ${u.hostname}:${u.port || '5432'}`
  } catch {
    return 'of DATABASE_URL'
  }
}
