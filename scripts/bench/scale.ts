// scale: port append throughput and p99 on an empty log, then again after the log was filled with `logEvents`
// synthetic, hash-chained events (the synthetic-log writer), measured the same way.
import type { Database } from '../../src/db/database.ts'
import { writeSyntheticEvents } from '../lib/synthetic-log.ts'
import { portAppends, ratio } from './append.ts'
import { percentile, rate, seconds } from './measure.ts'

export interface ScaleReport {
  logEvents: number
  appendPerSecondEmpty: number
  appendPerSecondLarge: number
  p99MsEmpty: number
  p99MsLarge: number
  /** appendPerSecondLarge / appendPerSecondEmpty. */
  ratio: number
  fillSeconds: number
}

export async function measureScale(
  db: Database,
  options: { logEvents: number; writers: number; seconds: number; onProgress?: (text: string) => void },
): Promise<ScaleReport> {
  // Each measurement starts right after a checkpoint, the empty log's as the large one's: the pages an append first
  // touches after a checkpoint are written whole to the WAL, and both should pay that alike.
  await settle(db)
  options.onProgress?.('scale: appends on an empty log')
  const empty = await portAppends(db, 'empty', options.writers, options.seconds)
  const started = performance.now()
  await writeSyntheticEvents(db.sql, options.logEvents, {
    prefix: 'scale',
    concurrency: 3,
    onProgress: (n) => options.onProgress?.(`scale: filling the log, ${n} of ${options.logEvents} events`),
  })
  // A long-lived log has been vacuumed and checkpointed: measure appends, not the aftermath of a bulk load.
  options.onProgress?.('scale: VACUUM ANALYZE and CHECKPOINT after the fill')
  await settle(db)
  const fillSeconds = seconds(started)
  options.onProgress?.(`scale: appends on a log of ${options.logEvents} events`)
  const large = await portAppends(db, 'large', options.writers, options.seconds)
  const appendPerSecondEmpty = rate(empty)
  const appendPerSecondLarge = rate(large)
  return {
    logEvents: options.logEvents + empty.operations,
    appendPerSecondEmpty,
    appendPerSecondLarge,
    p99MsEmpty: percentile(empty.latencies, 99),
    p99MsLarge: percentile(large.latencies, 99),
    ratio: ratio(appendPerSecondLarge, appendPerSecondEmpty),
    fillSeconds: Math.round(fillSeconds * 10) / 10,
  }
}

/** VACUUM ANALYZE and a CHECKPOINT (which needs superuser or pg_checkpoint; skipped without it). */
async function settle(db: Database) {
  await db.sql.unsafe('VACUUM ANALYZE ledger.events')
  await db.sql.unsafe('CHECKPOINT').catch(() => {})
}
