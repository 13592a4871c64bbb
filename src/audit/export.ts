import crypto from 'node:crypto'
import fs from 'node:fs'
import { businessDateOf, upcast } from '../../events/index.ts'
import type { IsoDate } from '../domain/dates.ts'
import { type EventStore, LOG_START, type LogPosition, type RecordedEvent } from '../store/port.ts'
import { checkExport, type ExportTransparency, signExport } from '../transparency/export-proof.ts'
import { leafHash, memorySubtrees, rootOf } from '../transparency/merkle.ts'
import type { SigningKey, VerifierKey } from '../transparency/note.ts'
import { LogChecks, type VerifyReport } from './verify.ts'

/** The signed checkpoint an export is cut at, and the key that signs the export's note. */
export interface ExportCut {
  checkpoint: { note: string; size: number; root: Buffer }
  key: SigningKey
  origin: string
}

// The history of one municipality for an outside auditor: NDJSON, one event per line with its hash, and a manifest
// beside it (FILE.manifest.json) with the counts, the positions, the last hash of every stream and the SHA-256 of
// the file. `verifyExport` checks such a file with no database at all.

const EXPORT_FORMAT = 'pfdo-ledger-export/1'

export interface ExportManifest {
  format: typeof EXPORT_FORMAT
  municipality: string
  /** `business`: by the events' business dates (the default); `recorded`: by when the ledger recorded them. */
  selectedBy: 'business' | 'recorded'
  from: string
  to: string
  events: number
  /** Events of the period itself; the earlier ones of the same streams are included so every chain verifies from its first event. */
  eventsInPeriod: number
  streams: number
  firstGlobalPosition: string | null
  lastGlobalPosition: string | null
  lastHashes: Record<string, string>
  sha256: string
  /** The signed checkpoint the export was cut at and what proves the file's events are its leaves (pfdo-ledger-export/2). */
  transparency?: ExportTransparency
}

// biome-ignore lint/suspicious/noExplicitAny: event data read by field name
type D = Record<string, any>

/** The municipality a stream belongs to, from the event that opens it; null for streams outside any (idempotency keys). */
function municipalityOf(e: RecordedEvent): string | null {
  const d = e.data as D
  if (e.streamId.startsWith('idempotency-')) return null
  return typeof d.municipality === 'string' ? d.municipality : null
}

/** Which events an export holds: a business period (by the events' business dates) or a recorded one. */
export type ExportSelection = { by: 'business'; from: IsoDate; to: IsoDate } | { by: 'recorded'; from: Date; to: Date; fromText: string; toText: string }

class NothingToExportError extends Error {
  constructor(municipality: string, selection: ExportSelection) {
    const period = selection.by === 'business' ? `dated ${selection.from}..${selection.to}` : `recorded ${selection.fromText}..${selection.toText}`
    super(`municipality ${municipality} has no events ${period}; nothing was written`)
    this.name = 'NothingToExportError'
  }
}

/**
 * Writes a municipality's history for an auditor. Each stream goes whole from its first event up to its last event
 * of the selection, so its chain verifies (an event of a later business date recorded in between comes along);
 * streams with nothing in the selection are left out. Refuses to write an empty file.
 */
export async function exportMunicipality(
  store: EventStore,
  options: { municipality: string; selection: ExportSelection; out: string; cutAt?: ExportCut },
): Promise<ExportManifest> {
  const { municipality, selection } = options
  const owner = new Map<string, string | null>()
  const mine: RecordedEvent[] = []
  const lastSelected = new Map<string, number>()
  const inSelection = (e: RecordedEvent) => {
    if (selection.by === 'recorded') return e.recordedAt < selection.to
    const date = businessDateOf(upcast(e))
    return date === null || date <= selection.to
  }
  const inPeriod = (e: RecordedEvent) => {
    if (selection.by === 'recorded') return e.recordedAt >= selection.from && e.recordedAt < selection.to
    const date = businessDateOf(upcast(e))
    return date !== null && date >= selection.from && date <= selection.to
  }
  // Cut at a checkpoint: the log's first `size` events, whose leaves the export carries.
  const cut = options.cutAt
  const leaves: Buffer[] = []
  const leafIndex = new Map<string, number>()
  let position: LogPosition = LOG_START
  const end = await store.committedEnd?.()
  for (;;) {
    const page = await store.readAll({ after: position, limit: 10_000, ...(end ? { end } : {}) })
    for (const e of page.events) {
      if (cut) {
        if (leaves.length >= cut.checkpoint.size) break
        leafIndex.set(e.eventId, leaves.length)
        leaves.push(leafHash(e.hash))
      }
      if (!owner.has(e.streamId)) owner.set(e.streamId, municipalityOf(e))
      if (owner.get(e.streamId) !== municipality) continue
      mine.push(e)
      if (inSelection(e)) lastSelected.set(e.streamId, e.streamPosition)
    }
    position = page.position
    if (page.caughtUp || (cut && leaves.length >= cut.checkpoint.size)) break
  }
  if (cut && (leaves.length !== cut.checkpoint.size || !rootOf(leaves.length, memorySubtrees(leaves)).equals(cut.checkpoint.root)))
    throw new Error(`the log's first ${cut.checkpoint.size} events are not the tree of the checkpoint the export is cut at; run \`ledger verify\``)
  const chosen = mine.filter((e) => e.streamPosition <= (lastSelected.get(e.streamId) ?? -1))
  // Registry facts (no date) belong to every period; a period with nothing dated in it has nothing to export.
  if (!chosen.some(inPeriod)) throw new NothingToExportError(municipality, selection)
  const lines: string[] = []
  const lastHashes: Record<string, string> = {}
  let eventsInPeriod = 0
  for (const e of chosen) {
    lines.push(
      JSON.stringify({
        globalPosition: e.globalPosition.toString(),
        transactionId: e.transactionId.toString(),
        streamId: e.streamId,
        streamPosition: e.streamPosition,
        eventId: e.eventId,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: e.data,
        metadata: e.metadata,
        recordedAt: e.recordedAt.toISOString(),
        prevHash: e.prevHash,
        hash: e.hash,
      }),
    )
    if (inPeriod(e)) eventsInPeriod++
    lastHashes[e.streamId] = e.hash
  }
  const body = `${lines.join('\n')}\n`
  fs.writeFileSync(options.out, body)
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    municipality,
    selectedBy: selection.by,
    from: selection.by === 'business' ? selection.from : selection.fromText,
    to: selection.by === 'business' ? selection.to : selection.toText,
    events: lines.length,
    eventsInPeriod,
    streams: Object.keys(lastHashes).length,
    firstGlobalPosition: chosen[0]!.globalPosition.toString(),
    lastGlobalPosition: chosen[chosen.length - 1]!.globalPosition.toString(),
    lastHashes,
    sha256: crypto.createHash('sha256').update(body).digest('hex'),
  }
  if (cut) {
    const heads = new Map(chosen.map((e) => [e.streamId, { position: e.streamPosition, hash: e.hash }]))
    const facts = {
      origin: cut.origin,
      municipality,
      selectedBy: selection.by,
      from: manifest.from,
      to: manifest.to,
      sha256: manifest.sha256,
      events: lines.length,
      heads,
    }
    manifest.transparency = signExport(
      facts,
      cut.checkpoint,
      leaves,
      chosen.map((e) => leafIndex.get(e.eventId)!),
      cut.key,
    )
  }
  fs.writeFileSync(`${options.out}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}

/**
 * Verifies an export offline: the file against its manifest, then every chain, schema and in-scope money invariant;
 * with the ledger's verifier key, the signed checkpoint, every event at its leaf and the ledger's note over the file,
 * and with `since`, that an earlier checkpoint is a prefix of the export's tree.
 */
export function verifyExport(file: string, options: { key?: VerifierKey | null; since?: string } = {}): VerifyReport {
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
  if (manifest.format !== EXPORT_FORMAT)
    checks.problem({ check: 'chain', detail: 'not a ledger export', expected: EXPORT_FORMAT, found: String(manifest.format) })
  if (sha !== manifest.sha256)
    checks.problem({ check: 'chain', detail: 'the file is not the one the manifest describes (SHA-256 differs)', expected: manifest.sha256, found: sha })
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
      checks.add({
        ...raw,
        globalPosition: BigInt(raw.globalPosition),
        transactionId: BigInt(raw.transactionId),
        recordedAt: new Date(raw.recordedAt),
      } as RecordedEvent)
    } catch (error) {
      checks.problem({
        check: 'schema',
        streamId: raw.streamId,
        streamPosition: raw.streamPosition,
        eventId: raw.eventId,
        detail: `line ${i + 1} cannot be read as an event: ${(error as Error).message}`,
      })
    }
  })
  if (options.key) {
    const events = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as { eventId: string; streamId: string; streamPosition: number; hash: string }]
      } catch {
        return []
      }
    })
    const heads = new Map([...checks.heads].map(([s, h]) => [s, { position: h.position, hash: h.hash }]))
    checkExport(manifest.transparency, { sha256: sha, events, heads }, options.key, checks.problem, checks.count, options.since)
  }
  checks.count('manifest')
  if (lines.length !== manifest.events)
    checks.problem({ check: 'chain', detail: 'the number of events differs from the manifest', expected: String(manifest.events), found: String(lines.length) })
  for (const [stream, hash] of Object.entries(manifest.lastHashes ?? {})) {
    const head = checks.heads.get(stream)
    if (head?.hash !== hash)
      checks.problem({
        check: 'chain',
        streamId: stream,
        detail: 'the last hash of the stream differs from the manifest',
        expected: hash,
        found: head?.hash ?? 'no events',
      })
  }
  return checks.report()
}
