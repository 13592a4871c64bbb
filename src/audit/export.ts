import crypto from 'node:crypto'
import fs from 'node:fs'
import { LOG_START, type EventStore, type LogPosition, type RecordedEvent } from '../store/port.ts'
import { LogChecks, type VerifyReport } from './verify.ts'

// The history of one municipality for an outside auditor: NDJSON, one event per line with its hash, and a manifest
// beside it (FILE.manifest.json) with the counts, the positions, the last hash of every stream and the SHA-256 of
// the file. `verifyExport` checks such a file with no database at all.

export const EXPORT_FORMAT = 'pfdo-ledger-export/1'

export interface ExportManifest {
  format: typeof EXPORT_FORMAT
  municipality: string
  from: string
  to: string
  events: number
  /** Events recorded from `from` on; the earlier ones of the same streams are included so every chain verifies from its first event. */
  eventsInPeriod: number
  streams: number
  firstGlobalPosition: string | null
  lastGlobalPosition: string | null
  lastHashes: Record<string, string>
  sha256: string
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event data read by field name
type D = Record<string, any>

/** The municipality a stream belongs to, from the event that opens it; null for streams outside any (idempotency keys). */
function municipalityOf(e: RecordedEvent): string | null {
  const d = e.data as D
  if (e.streamId.startsWith('idempotency-')) return null
  return typeof d.municipality === 'string' ? d.municipality : null
}

export async function exportMunicipality(
  store: EventStore,
  options: { municipality: string; from: Date; to: Date; fromText: string; toText: string; out: string },
): Promise<ExportManifest> {
  const owner = new Map<string, string | null>()
  const lines: string[] = []
  const lastHashes: Record<string, string> = {}
  let inPeriod = 0
  let first: bigint | null = null
  let last: bigint | null = null
  let position: LogPosition = LOG_START
  for (;;) {
    const page = await store.readAll({ after: position, limit: 10_000 })
    for (const e of page.events) {
      if (!owner.has(e.streamId)) owner.set(e.streamId, municipalityOf(e))
      if (owner.get(e.streamId) !== options.municipality || e.recordedAt >= options.to) continue
      lines.push(
        JSON.stringify({
          globalPosition: e.globalPosition.toString(), transactionId: e.transactionId.toString(), streamId: e.streamId, streamPosition: e.streamPosition,
          eventId: e.eventId, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata, recordedAt: e.recordedAt.toISOString(),
          prevHash: e.prevHash, hash: e.hash,
        }),
      )
      if (e.recordedAt >= options.from) inPeriod++
      first ??= e.globalPosition
      last = e.globalPosition
      lastHashes[e.streamId] = e.hash
    }
    position = page.position
    if (page.caughtUp) break
  }
  const body = lines.length ? `${lines.join('\n')}\n` : ''
  fs.writeFileSync(options.out, body)
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT, municipality: options.municipality, from: options.fromText, to: options.toText, events: lines.length, eventsInPeriod: inPeriod,
    streams: Object.keys(lastHashes).length, firstGlobalPosition: first?.toString() ?? null, lastGlobalPosition: last?.toString() ?? null, lastHashes,
    sha256: crypto.createHash('sha256').update(body).digest('hex'),
  }
  fs.writeFileSync(`${options.out}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}

/** Verifies an export offline: the file against its manifest, then every chain, schema and in-scope money invariant. */
export function verifyExport(file: string): VerifyReport {
  const checks = new LogChecks()
  const bytes = fs.readFileSync(file)
  let manifest: ExportManifest
  try {
    manifest = JSON.parse(fs.readFileSync(`${file}.manifest.json`, 'utf8')) as ExportManifest
  } catch (error) {
    checks.problem({ check: 'chain', detail: `the manifest ${file}.manifest.json cannot be read: ${(error as Error).message}` })
    return checks.report()
  }
  const sha = crypto.createHash('sha256').update(bytes).digest('hex')
  checks.count('file')
  if (manifest.format !== EXPORT_FORMAT) checks.problem({ check: 'chain', detail: 'not a ledger export', expected: EXPORT_FORMAT, found: String(manifest.format) })
  if (sha !== manifest.sha256) checks.problem({ check: 'chain', detail: 'the file is not the one the manifest describes (SHA-256 differs)', expected: manifest.sha256, found: sha })
  const text = bytes.toString('utf8')
  const lines = text.split('\n').filter((l) => l.length > 0)
  lines.forEach((line, i) => {
    let raw: D
    try {
      raw = JSON.parse(line) as D
    } catch {
      checks.problem({ check: 'schema', detail: `line ${i + 1} is not JSON` })
      return
    }
    try {
      checks.add({ ...raw, globalPosition: BigInt(raw.globalPosition), transactionId: BigInt(raw.transactionId), recordedAt: new Date(raw.recordedAt) } as RecordedEvent)
    } catch (error) {
      checks.problem({ check: 'schema', streamId: raw.streamId, streamPosition: raw.streamPosition, eventId: raw.eventId, detail: `line ${i + 1} cannot be read as an event: ${(error as Error).message}` })
    }
  })
  checks.count('manifest')
  if (lines.length !== manifest.events) checks.problem({ check: 'chain', detail: 'the number of events differs from the manifest', expected: String(manifest.events), found: String(lines.length) })
  for (const [stream, hash] of Object.entries(manifest.lastHashes ?? {})) {
    const head = checks.heads.get(stream)
    if (head?.hash !== hash) checks.problem({ check: 'chain', streamId: stream, detail: 'the last hash of the stream differs from the manifest', expected: hash, found: head?.hash ?? 'no events' })
  }
  return checks.report()
}
