import crypto from 'node:crypto'

/** The `prev_hash` of the first event of every stream. */
export const GENESIS_HASH = '0'.repeat(64)

/**
 * Canonical JSON: objects with their keys sorted by UTF-16 code units, no whitespace, arrays in order,
 * strings and numbers as JSON.stringify writes them. Undefined object members are dropped, as JSON does.
 * Only integers and strings carry money, so a number never has a fractional part that could be spelled twice.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} in an event`)
    return JSON.stringify(value)
  }
  // Loops and string concatenation rather than entries/filter/map/join: every append hashes each event, and the
  // intermediate arrays were most of the cost (the output is the same; test/store/hash.test.ts checks it).
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ','
      const item = value[i]
      out += canonicalJson(item === undefined ? null : item)
    }
    return `${out}]`
  }
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>
    // The default sort compares UTF-16 code units, as the specification above says.
    const keys = Object.keys(object).sort()
    let out = '{'
    let first = true
    for (const key of keys) {
      const v = object[key]
      if (v === undefined) continue
      if (!first) out += ','
      first = false
      out += `${JSON.stringify(key)}:${canonicalJson(v)}`
    }
    return `${out}}`
  }
  throw new TypeError(`cannot encode a ${typeof value} in an event`)
}

/** What the hash of an event covers: everything recorded about it, and its predecessor's hash. */
export interface HashedFields {
  prevHash: string
  streamId: string
  streamPosition: number
  eventId: string
  type: string
  schemaVersion: number
  data: unknown
  metadata: unknown
  recordedAt: Date
}

/**
 * hash = hex(SHA-256(UTF-8(canonicalJson({ data, eventId, metadata, prevHash, recordedAt, schemaVersion,
 * streamId, streamPosition, type })))) with recordedAt as an ISO-8601 UTC string with milliseconds.
 * The global position and transaction id are left out: they are assigned by the database and differ between
 * stores, while the chain must survive a move of the log to another store.
 */
export function eventHash(e: HashedFields): string {
  const encoded = canonicalJson({
    prevHash: e.prevHash,
    streamId: e.streamId,
    streamPosition: e.streamPosition,
    eventId: e.eventId,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt.toISOString(),
  })
  return crypto.createHash('sha256').update(encoded, 'utf8').digest('hex')
}

/** Content that decides whether a re-appended event id is the same event (idempotent) or a conflict. */
export function sameEventContent(
  a: { streamId: string; type: string; schemaVersion: number; data: unknown },
  b: { streamId: string; type: string; schemaVersion: number; data: unknown },
): boolean {
  return a.streamId === b.streamId && a.type === b.type && a.schemaVersion === b.schemaVersion && canonicalJson(a.data) === canonicalJson(b.data)
}
