// peer: the ledger's event store beside Emmett's PostgreSQL event store (@event-driven-io/emmett-postgresql, a dev
// dependency of the benchmark only: measured here, never shipped), each in a database of its own on the same server,
// with the same concurrency and payloads; the timed parts alternate in two rounds so drift of a noisy machine hits
// both alike.
// - appends: exactly the append phase's load (`writers` writers, one event per append, each writer on its own
//   streams of 100 events, the expected version checked on every append);
// - reads of a whole stream of 100 events, `writers` readers at once;
// - catching up one projection over the same log: a municipality's enrolment (seedWorld) written to our store, then
//   copied event for event into Emmett's (each stream's events in their order). Ours: the ProjectionRunner catching
//   up the `contracts` projection (one row per contract, batches of 2 000 events, each in one transaction with its
//   checkpoint).
//   Theirs, the closest equivalent: an async projector (the consumer with `stopWhen: { noMessagesLeft: true }`, as
//   `rebuildPostgreSQLProjections` runs it) of a `pongoMultiStreamProjection` (one document per contract), folding
//   each event with the same `contracts.apply`, pulling batches of the same size without pauses between them.
import { readFileSync } from 'node:fs'
import { type Event, type ReadEvent, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett'
import {
  type PostgresEventStore as EmmettStore,
  getPostgreSQLEventStore,
  type PostgresReadEventMetadata,
  pongoMultiStreamProjection,
} from '@event-driven-io/emmett-postgresql'
import postgres from 'postgres'
import { contracts } from '../../projections/contracts/index.ts'
import { activeSchema, ProjectionRunner } from '../../projections/runner.ts'
import type { ProjectedEvent, Row, Rows } from '../../projections/types.ts'
import type { Database } from '../../src/db/database.ts'
import type { LogPosition, NewEvent, RecordedEvent } from '../../src/store/port.ts'
import { PostgresEventStore } from '../../src/store/postgres/postgres-event-store.ts'
import { benchEvent, portAppends, ratio, streamOf } from './append.ts'
import { percentile, type Run, rate, round2, seconds, timedLoops } from './measure.ts'
import { seedWorld } from './world.ts'

const EVENTS_PER_STREAM = 100
/** Streams of 100 events each store gets for the read measurement. */
const READ_STREAMS = 32
/** The batch our runner reads by default, hence the batch Emmett's consumer pulls. */
const CATCH_UP_BATCH = 2000
/** Contracts of the catch-up's log at most (~10 events each): at the peer's rate a full run's 100 000 would take it half an hour. */
export const PEER_CONTRACTS_MAX = 5_000
/** The events of the contracts projection (those its `touches` names rows for). */
const CONTRACT_EVENTS = [
  'ContractRequested',
  'ContractAccepted',
  'ContractRefused',
  'ContractTerminated',
  'ContractClosed',
  'CertificateFundsWrittenOff',
  'CertificateWriteOffReturned',
  'ContractMonthCorrected',
  'ContractCorrectionInvoiced',
]

/** Our event as Emmett takes it: the same type, data and metadata, and our event id as its message id. */
const toEmmett = (e: NewEvent) => ({ type: e.type, data: e.data as Record<string, unknown>, metadata: { ...e.metadata, messageId: e.eventId } })

function emmettAppends(store: EmmettStore, tag: string, writers: number, durationSeconds: number): Promise<Run> {
  return timedLoops(writers, durationSeconds, async (w, i) => {
    const position = i % EVENTS_PER_STREAM
    // Emmett's stream version counts the events before: the event at position p expects p.
    await store.appendToStream(streamOf(tag, w, i), [toEmmett(benchEvent(w, i))], {
      expectedStreamVersion: position === 0 ? STREAM_DOES_NOT_EXIST : BigInt(position),
    })
  })
}

const readStreamName = (k: number) => `bench-read-s${k}`

/** READ_STREAMS streams of 100 events in each store (not timed), the same payloads. */
async function fillReadStreams(ours: PostgresEventStore, theirs: EmmettStore): Promise<void> {
  for (let k = 0; k < READ_STREAMS; k++) {
    const events = Array.from({ length: EVENTS_PER_STREAM }, (_, i) => benchEvent(k, i))
    await ours.append(readStreamName(k), events, { expectedVersion: 'no_stream' })
    await theirs.appendToStream(readStreamName(k), events.map(toEmmett), { expectedStreamVersion: STREAM_DOES_NOT_EXIST })
  }
}

/** `readers` loops, each reading whole 100-event streams in turn; one operation is one stream read. */
function streamReads(readers: number, durationSeconds: number, read: (streamName: string) => Promise<number>): Promise<Run> {
  return timedLoops(readers, durationSeconds, async (w, i) => {
    const n = await read(readStreamName((w * 7 + i) % READ_STREAMS))
    if (n !== EVENTS_PER_STREAM) throw new Error(`peer: read ${n} events of a stream of ${EVENTS_PER_STREAM}`)
  })
}

/**
 * Copies our log into Emmett's (not timed), a page of 5 000 events at a time in commit order; within a page each
 * stream's events go in one append. Every stream keeps its order, which is all a projection's fold depends on. One
 * append at a time: Emmett 0.42's consumer checkpoints by global position alone, and skips events whose global
 * position is below one it handled, which concurrent appends produce (committing in another order than their
 * positions); 75 of 1 200 events from 8 concurrent writers were never handled in a test on this machine.
 */
async function copyLog(ours: PostgresEventStore, theirs: EmmettStore): Promise<number> {
  let after: LogPosition | undefined
  let copied = 0
  for (;;) {
    const page = await ours.readAll({ ...(after ? { after } : {}), limit: 5000 })
    if (page.events.length === 0) return copied
    const streams = new Map<string, RecordedEvent[]>()
    for (const e of page.events) {
      const events = streams.get(e.streamId)
      if (events) events.push(e)
      else streams.set(e.streamId, [e])
    }
    for (const [streamId, events] of streams) await theirs.appendToStream(streamId, events.map(toEmmett))
    copied += page.events.length
    after = page.position
  }
}

/**
 * Waits until every transaction that was running anywhere on the server has ended. Both stores' readers of the
 * global log stop below the oldest running transaction of the whole server, so another database's long transaction
 * would otherwise hide the log from a catch-up (ours would wait for it inside the timed part, Emmett's consumer would
 * stop at once, seeing no message left).
 */
async function untilLogVisible(sql: Database['sql']): Promise<void> {
  const [now] = await sql<{ xmax: string }[]>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`
  const deadline = Date.now() + 120_000
  for (;;) {
    const [r] = await sql<{ done: boolean }[]>`SELECT pg_snapshot_xmin(pg_current_snapshot()) >= ${now!.xmax}::xid8 AS done`
    if (r?.done) return
    if (Date.now() > deadline) throw new Error('peer: a transaction on the server has run for over 2 minutes and hides the log from both catch-ups')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Emmett's event as our projection reads it (the fields `apply` uses). */
function asProjected(e: ReadEvent<Event, PostgresReadEventMetadata>): ProjectedEvent {
  const m = e.metadata
  return {
    type: e.type,
    data: e.data,
    globalPosition: m.globalPosition,
    streamId: m.streamName,
    streamPosition: Number(m.streamPosition),
    eventId: m.messageId,
  } as unknown as ProjectedEvent
}

/** The contracts projection as a pongo document per contract: `contracts.apply` on a one-row view of the document. */
const contractDocuments = pongoMultiStreamProjection({
  collectionName: 'contracts',
  canHandle: CONTRACT_EVENTS,
  getDocumentId: (e) => (e.data as { contractId: string }).contractId,
  evolve: (document: Row | null, event: ReadEvent<Event, PostgresReadEventMetadata>) => {
    let row = document
    const rows: Rows = {
      get: <T extends Row>() => (row ?? undefined) as T | undefined,
      put: (_table, _key, r) => {
        row = r
      },
      delete: () => {
        row = null
      },
    }
    contracts.apply(rows, asProjected(event))
    return row
  },
})

interface Versus {
  /** Ours and the peer's operations per second, and ours / peer's. */
  ours: number
  peer: number
  ratio: number
  oursP99Ms: number
  peerP99Ms: number
}

export interface PeerReport {
  peer: string
  writers: number
  /** Events per second, one event per append. */
  append: Versus & { oursEvents: number; peerEvents: number }
  /** Whole streams of 100 events read per second. */
  readStream: Versus
  /** Log events per second of catching up one projection from the start of the log. */
  catchUp: {
    ours: number
    peer: number
    ratio: number
    events: number
    contracts: number
    oursSeconds: number
    peerSeconds: number
    batch: number
    /** Not in the figure: setting the municipality up in our store, and copying its log into the peer's. */
    setupSeconds: number
    copySeconds: number
  }
}

const combine = (runs: Run[]): Run => ({
  operations: runs.reduce((s, r) => s + r.operations, 0),
  seconds: runs.reduce((s, r) => s + r.seconds, 0),
  latencies: runs.flatMap((r) => r.latencies),
})

function versus(ours: Run[], peer: Run[]): Versus {
  const o = combine(ours)
  const p = combine(peer)
  return { ours: rate(o), peer: rate(p), ratio: ratio(rate(o), rate(p)), oursP99Ms: percentile(o.latencies, 99), peerP99Ms: percentile(p.latencies, 99) }
}

/** Both in two rounds, ours first in the first and the peer first in the second. */
async function alternate(name: string, ours: (round: number) => Promise<Run>, peer: (round: number) => Promise<Run>, say: (text: string) => void) {
  const o: Run[] = []
  const p: Run[] = []
  for (let round = 1; round <= 2; round++) {
    const order = round === 1 ? (['ours', 'peer'] as const) : (['peer', 'ours'] as const)
    for (const who of order) {
      say(`peer: ${name}, ${who}, round ${round} of 2`)
      if (who === 'ours') o.push(await ours(round))
      else p.push(await peer(round))
    }
  }
  return { o, p }
}

function emmettVersion(): string {
  const url = new URL('../../node_modules/@event-driven-io/emmett-postgresql/package.json', import.meta.url)
  return `Emmett ${(JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version}`
}

/** Catches the contracts projection up in both stores over the same log; checks both hold the same contracts. */
async function catchUps(db: Database, peerUrl: string, theirs: EmmettStore, contractsWanted: number, say: (text: string) => void) {
  const ours = new PostgresEventStore(db.sql)
  say(`peer: setting up ${contractsWanted} contracts`)
  const setupStarted = performance.now()
  await seedWorld(ours, { municipality: 'bench-peer', prefix: 'P', certificates: contractsWanted, contracts: contractsWanted, concurrency: 8 })
  const setupSeconds = seconds(setupStarted)
  say('peer: copying the log to the peer')
  const copyStarted = performance.now()
  const events = await copyLog(ours, theirs)
  const copySeconds = seconds(copyStarted)
  await untilLogVisible(db.sql)

  say('peer: catching up one projection, peer')
  const peerSql = postgres(peerUrl, { max: 1, onnotice: () => {} })
  const peerContracts = () =>
    peerSql<{ n: number; parts: string }[]>`
      SELECT count(*)::int AS n, coalesce(sum((data->>'certificate_part')::bigint), 0)::text AS parts FROM contracts WHERE data->>'status' = 'accepted'`
      .then(([row]) => row)
      .catch(() => undefined) // no collection yet: the projector has written nothing
  // Emmett's consumer stops at its first empty pull, and sees nothing while a transaction anywhere on the server is
  // older than the log (a test database's, say): it is started again from its checkpoint until it holds every
  // contract, and only its running time counts.
  let peerSeconds = 0
  for (let attempt = 1; ; attempt++) {
    const consumer = theirs.consumer({ stopWhen: { noMessagesLeft: true }, pulling: { batchSize: CATCH_UP_BATCH, pullingFrequencyInMs: 0 } })
    consumer.projector({ projection: contractDocuments })
    const peerStarted = performance.now()
    await consumer.start()
    peerSeconds += seconds(peerStarted)
    await consumer.stop()
    if (((await peerContracts())?.n ?? 0) >= contractsWanted || attempt === 100) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }

  say('peer: catching up one projection, ours')
  const oursStarted = performance.now()
  await new ProjectionRunner(db.sql, ours, [contracts], { batchSize: CATCH_UP_BATCH }).catchUp()
  const oursSeconds = seconds(oursStarted)

  // The same work done: every contract in both, with the same certificate parts.
  const { schema } = await activeSchema(db.sql, 'contracts')
  const [o] = await db.sql<{ n: number; parts: string }[]>`
    SELECT count(*)::int AS n, coalesce(sum(certificate_part), 0)::text AS parts FROM ${db.sql(schema)}.contracts WHERE status = 'accepted'`
  const p = await peerContracts()
  await peerSql.end()
  if (o?.n !== contractsWanted || p?.n !== o.n || p.parts !== o.parts)
    throw new Error(`peer: the projections differ: ours ${JSON.stringify(o)}, peer ${JSON.stringify(p)}, ${contractsWanted} contracts set up`)
  const oursRate = Math.round(events / oursSeconds)
  const peerRate = Math.round(events / peerSeconds)
  return {
    ours: oursRate,
    peer: peerRate,
    ratio: ratio(oursRate, peerRate),
    events,
    contracts: contractsWanted,
    oursSeconds: round2(oursSeconds),
    peerSeconds: round2(peerSeconds),
    batch: CATCH_UP_BATCH,
    setupSeconds: round2(setupSeconds),
    copySeconds: round2(copySeconds),
  }
}

export async function measurePeer(
  db: Database,
  peerUrl: string,
  options: { writers: number; seconds: number; contracts: number; onProgress?: (text: string) => void },
): Promise<PeerReport> {
  const say = (text: string) => options.onProgress?.(text)
  const theirs = getPostgreSQLEventStore(peerUrl)
  try {
    await theirs.schema.migrate()
    // The projection's log first, so that it holds the municipality's events alone in both stores.
    const catchUp = await catchUps(db, peerUrl, theirs, options.contracts, say)

    const half = options.seconds / 2
    const appends = await alternate(
      'appends',
      (round) => portAppends(db, `o${round}`, options.writers, half),
      (round) => emmettAppends(theirs, `e${round}`, options.writers, half),
      say,
    )

    const ours = new PostgresEventStore(db.sql)
    await fillReadStreams(ours, theirs)
    const oursRead = async (name: string) => (await ours.readStream(name)).length
    const peerRead = async (name: string) => (await theirs.readStream(name)).events.length
    // Not timed: each reader's first read opens a connection and prepares the query, in both pools.
    for (const read of [oursRead, peerRead]) await Promise.all(Array.from({ length: options.writers }, (_, w) => read(readStreamName(w % READ_STREAMS))))
    const reads = await alternate(
      'reading streams of 100 events',
      () => streamReads(options.writers, half, oursRead),
      () => streamReads(options.writers, half, peerRead),
      say,
    )
    return {
      peer: emmettVersion(),
      writers: options.writers,
      append: { ...versus(appends.o, appends.p), oursEvents: combine(appends.o).operations, peerEvents: combine(appends.p).operations },
      readStream: versus(reads.o, reads.p),
      catchUp,
    }
  } finally {
    await theirs.close()
  }
}
