import { type EventData, type JSONType, jsonEvent, NO_STREAM, type Position } from '@eventstore/db-client'
import { sameEventContent } from '../hash.ts'
import {
  type AppendResult,
  DuplicateEventIdError,
  type EventMetadata,
  type ExpectedVersion,
  type LogPosition,
  type NewEvent,
  type RecordedEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../port.ts'

// What the EventStoreDB adapter does without a server: how a ledger event becomes the client's event data and
// back, how `$all` positions become log positions, and how the client's errors become the port's.

/** The version of the metadata layout below; a reader refuses layouts it does not know. */
const LAYOUT = 1

/**
 * The EventStoreDB event's metadata: everything the ledger records beyond type and data. The hash covers
 * recordedAt, so the ledger's own clock travels here rather than the server's `created`. `appendId` is the
 * writing call's nonce: it tells a write of ours from the server quietly accepting a duplicate.
 */
export interface StoredMetadata {
  ledgerLayout: typeof LAYOUT
  schemaVersion: number
  metadata: EventMetadata
  recordedAt: string
  prevHash: string
  hash: string
  appendId: string
  /** EventStoreDB's own conventions, so its UI and tools can follow a request; not read back. */
  $correlationId?: string
  $causationId?: string
}

/** What an event read from the client looks like, as far as the ledger cares (the client's RecordedEvent). */
export interface ClientRecordedEvent {
  streamId: string
  id: string
  revision: bigint
  type: string
  isJson: boolean
  data: unknown
  metadata: unknown
  position?: Position
}

/**
 * Stream reads carry the `$all` position from EventStoreDB 22.10 on; older servers send none, or 2^64-1, or zeros
 * (position 0 is the server's own first record, never a ledger event). Such events get this one.
 */
export const UNKNOWN_POSITION = -1n
const NO_POSITION = 2n ** 64n - 1n

function knownPosition(p: Position | undefined): LogPosition | null {
  if (!p || p.commit === NO_POSITION || p.prepare === NO_POSITION || (p.commit === 0n && p.prepare === 0n)) return null
  return toLogPosition(p)
}

/** A fully recorded ledger event (hash already computed) as the client's event data. */
export function toEventData(e: Omit<RecordedEvent, 'globalPosition' | 'transactionId'>, appendId: string): EventData {
  const metadata: StoredMetadata = {
    ledgerLayout: LAYOUT,
    schemaVersion: e.schemaVersion,
    metadata: e.metadata,
    recordedAt: e.recordedAt.toISOString(),
    prevHash: e.prevHash,
    hash: e.hash,
    appendId,
    $correlationId: e.metadata.correlationId,
    ...(e.metadata.causationId ? { $causationId: e.metadata.causationId } : {}),
  }
  return jsonEvent({ id: e.eventId, type: e.type, data: e.data as JSONType, metadata })
}

export class ForeignEventError extends Error {
  constructor(streamId: string, revision: bigint, reason: string) {
    super(`event ${revision} of stream ${streamId} was not written by the ledger: ${reason}`)
    this.name = 'ForeignEventError'
  }
}

function storedMetadata(e: ClientRecordedEvent): StoredMetadata {
  if (!e.isJson) throw new ForeignEventError(e.streamId, e.revision, 'its data is not JSON')
  const m = e.metadata as Partial<StoredMetadata> | undefined
  if (!m || typeof m !== 'object' || m.ledgerLayout !== LAYOUT) {
    throw new ForeignEventError(e.streamId, e.revision, `no ledger metadata of layout ${LAYOUT}`)
  }
  return m as StoredMetadata
}

/** The appendId an event was written with (see StoredMetadata). */
export function appendIdOf(e: ClientRecordedEvent): string {
  return storedMetadata(e).appendId
}

/** A client event back into the ledger's RecordedEvent: the same fields the PostgreSQL adapter returns. */
export function fromClientEvent(e: ClientRecordedEvent): RecordedEvent {
  const m = storedMetadata(e)
  const position = knownPosition(e.position)
  return {
    eventId: e.id,
    type: e.type,
    schemaVersion: m.schemaVersion,
    data: e.data,
    metadata: m.metadata,
    streamId: e.streamId,
    streamPosition: Number(e.revision),
    globalPosition: position?.globalPosition ?? UNKNOWN_POSITION,
    transactionId: position?.transactionId ?? UNKNOWN_POSITION,
    recordedAt: new Date(m.recordedAt),
    prevHash: m.prevHash,
    hash: m.hash,
  }
}

/** `$all` positions as log positions: commit plays the transaction, prepare the event's own place. */
export function toLogPosition(p: Position): LogPosition {
  return { transactionId: p.commit, globalPosition: p.prepare }
}

export function toClientPosition(p: LogPosition): Position {
  return { commit: p.transactionId, prepare: p.globalPosition }
}

/** EventStoreDB's own events ($-prefixed types, and anything in a $-prefixed stream such as `$$` metadata). */
export function isSystemEvent(e: { streamId: string; type: string }): boolean {
  return e.type.startsWith('$') || e.streamId.startsWith('$')
}

/** The revision to send with an append that expects the stream at `actual` (null: no stream). */
export function expectedRevision(actual: number | null): bigint | typeof NO_STREAM {
  return actual === null ? NO_STREAM : BigInt(actual)
}

/** Whether a stream at `actual` satisfies what the caller expects. */
export function satisfies(expected: ExpectedVersion, actual: number | null): boolean {
  if (expected === 'any') return true
  if (expected === 'no_stream') return actual === null
  return actual === expected
}

/**
 * The client's errors as the port's, or the error itself when the port has no word for it. Both client classes
 * carry a `type` string, compared rather than the class so two copies of the client module still match.
 */
export function translateError(error: unknown, streamId: string, expected: ExpectedVersion): unknown {
  const e = error as { type?: string; actualVersion?: unknown; streamName?: unknown }
  if (e?.type === 'wrong-expected-version') {
    const actual = typeof e.actualVersion === 'bigint' ? Number(e.actualVersion) : null
    return new WrongExpectedVersionError(streamId, expected, actual)
  }
  if (e?.type === 'stream-not-found') return new StreamNotFoundError(typeof e.streamName === 'string' ? e.streamName : streamId)
  return error
}

/**
 * The idempotency rule on events found by id: none found is a new append (null); all found with identical
 * content is the first append's result; anything else is refused as the PostgreSQL adapter refuses it.
 */
export function idempotentResult(streamId: string, events: readonly NewEvent[], found: ReadonlyMap<string, RecordedEvent>): AppendResult | null {
  const existing = events.map((e) => found.get(e.eventId))
  const first = existing.find(Boolean)
  if (!first) return null
  events.forEach((e, i) => {
    const f = existing[i]
    if (!f) throw new DuplicateEventIdError(first.eventId, 'while other events of the same append are new')
    if (!sameEventContent(f, { ...e, streamId })) {
      throw new DuplicateEventIdError(e.eventId, `with different content (stream ${f.streamId}, position ${f.streamPosition}, type ${f.type})`)
    }
  })
  const positions = existing.map((f) => ({ eventId: f!.eventId, streamPosition: f!.streamPosition, globalPosition: f!.globalPosition }))
  return { streamId, nextExpectedVersion: Math.max(...positions.map((p) => p.streamPosition)), positions, alreadyAppended: true }
}
