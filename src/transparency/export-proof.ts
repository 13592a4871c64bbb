import type { Problem } from '../audit/verify.ts'
import { leafHash, memorySubtrees, rootOf } from './merkle.ts'
import { openCheckpoint, openNote, type SigningKey, signNote, type VerifierKey } from './note.ts'

// What an export carries so an auditor can hold the ledger to it offline (README, "Transparency log"): the signed
// checkpoint the export was cut at, the leaf hashes of the whole tree of that checkpoint (so its root is recomputed
// from them, the file's events found at their leaves, and any older checkpoint checked as a prefix of it), each
// event's leaf index, and a note the ledger signs over the file's SHA-256 and every stream's last event, so a
// recomputed manifest, a dropped stream or a removed last event is named by what the ledger signed.

const EXPORT_NOTE_FORMAT = 'pfdo-ledger-export/2'

export interface ExportTransparency {
  /** The signed checkpoint (C2SP tlog-checkpoint note) of the tree the export was cut at. */
  checkpoint: string
  /** The key that signed it, as the ledger publishes it; an auditor checks against the key they hold (`--key`). */
  verifierKey: string
  /** base64 of the leaf hashes of leaves 0 … size − 1, 32 bytes each, in order. */
  leaves: string
  /** The leaf index of each line of the file, in order. */
  leafIndex: number[]
  /** The ledger's signed note over the file: its SHA-256, counts and every stream's last event. */
  signature: string
}

export interface ExportFacts {
  origin: string
  municipality: string
  selectedBy: string
  from: string
  to: string
  sha256: string
  events: number
  /** Each stream's last event in the file. */
  heads: Map<string, { position: number; hash: string }>
}

function noteBody(f: ExportFacts, size: number, root: Buffer): string {
  const streams = [...f.heads.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return [
    f.origin,
    EXPORT_NOTE_FORMAT,
    `municipality ${f.municipality} ${f.selectedBy} ${f.from} ${f.to}`,
    `tree ${size} ${root.toString('base64')}`,
    `sha256 ${f.sha256}`,
    `events ${f.events}`,
    ...streams.map(([id, h]) => `stream ${id} ${h.position} ${h.hash}`),
    '',
  ].join('\n')
}

export function signExport(
  f: ExportFacts,
  checkpoint: { note: string; size: number; root: Buffer },
  leaves: readonly Buffer[],
  leafIndex: number[],
  key: SigningKey,
): ExportTransparency {
  return {
    checkpoint: checkpoint.note,
    verifierKey: key.verifier.text,
    leaves: Buffer.concat(leaves as Buffer[]).toString('base64'),
    leafIndex,
    signature: signNote(noteBody(f, checkpoint.size, checkpoint.root), key),
  }
}

type Report = (p: Problem) => void

/**
 * Checks an export's transparency data offline: the checkpoint's signature, the leaves against its root, every
 * event at its leaf, the ledger's note against the file, and (with `since`) an older checkpoint as a prefix.
 */
export function checkExport(
  t: ExportTransparency | undefined,
  file: {
    sha256: string
    events: { eventId: string; streamId: string; streamPosition: number; hash: string }[]
    heads: Map<string, { position: number; hash: string }>
  },
  key: VerifierKey,
  problem: Report,
  count: (check: string, n?: number) => void,
  since?: string,
): void {
  count('checkpoint')
  if (!t)
    return problem({
      check: 'checkpoint',
      detail: 'the export carries no signed checkpoint: nothing ties it to the ledger',
      expected: 'manifest.transparency',
      found: 'none',
    })
  let size: number
  let root: Buffer
  try {
    ;({ size, root } = openCheckpoint(t.checkpoint, key))
  } catch (error) {
    return problem({ check: 'checkpoint', detail: `the export's checkpoint does not verify: ${(error as Error).message}` })
  }
  const raw = Buffer.from(t.leaves ?? '', 'base64')
  const leaves = Array.from({ length: Math.floor(raw.length / 32) }, (_, i) => raw.subarray(i * 32, i * 32 + 32))
  const tree = memorySubtrees(leaves)
  if (leaves.length !== size || !rootOf(size, tree).equals(root))
    return problem({ check: 'checkpoint', detail: `the export's leaves are not the tree of ${size} leaves the ledger signed`, expected: root.toString('hex') })
  checkEvents(t, file.events, leaves, problem, count)
  checkNote(t, file, key, size, root, problem, count)
  if (since !== undefined) checkSince(since, key, size, tree, problem, count)
}

function checkEvents(
  t: ExportTransparency,
  events: { eventId: string; streamId: string; streamPosition: number; hash: string }[],
  leaves: Buffer[],
  problem: Report,
  count: (c: string) => void,
) {
  let previous = -1
  events.forEach((e, line) => {
    count('tree')
    const index = t.leafIndex?.[line]
    const at = { streamId: e.streamId, streamPosition: e.streamPosition, eventId: e.eventId }
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index <= previous || index >= leaves.length) {
      problem({ check: 'tree', ...at, detail: `line ${line + 1} has no leaf of the signed tree (an event added to the file?)`, found: String(index) })
      return
    }
    previous = index
    let mine: Buffer | null = null
    try {
      mine = leafHash(e.hash)
    } catch {}
    if (!mine?.equals(leaves[index]!))
      problem({
        check: 'tree',
        ...at,
        detail: `event ${e.eventId} is not leaf ${index} of the signed tree: altered, re-chained or forged after the ledger signed it`,
        expected: leaves[index]!.toString('hex'),
        found: mine?.toString('hex') ?? e.hash,
      })
  })
}

function checkNote(
  t: ExportTransparency,
  file: { sha256: string; events: unknown[]; heads: Map<string, { position: number; hash: string }> },
  key: VerifierKey,
  size: number,
  root: Buffer,
  problem: Report,
  count: (c: string) => void,
) {
  count('checkpoint')
  let lines: string[]
  try {
    lines = openNote(t.signature ?? '', key, "the ledger's note over the export").lines
  } catch (error) {
    return problem({ check: 'checkpoint', detail: `${(error as Error).message} (the manifest was recomputed?)` })
  }
  const field = (name: string) => lines.find((l) => l.startsWith(`${name} `))?.slice(name.length + 1)
  if (field('tree') !== `${size} ${root.toString('base64')}`)
    problem({ check: 'checkpoint', detail: "the ledger's note names another checkpoint than the export's", expected: field('tree'), found: `${size}` })
  if (field('events') !== String(file.events.length))
    problem({
      check: 'chain',
      detail: 'the file has another number of events than the ledger signed',
      expected: field('events'),
      found: String(file.events.length),
    })
  if (field('sha256') !== file.sha256)
    problem({ check: 'chain', detail: 'the file is not the one the ledger signed (SHA-256 differs)', expected: field('sha256'), found: file.sha256 })
  const signed = new Map<string, { position: number; hash: string }>()
  for (const l of lines.filter((l) => l.startsWith('stream '))) {
    const m = /^stream (.+) (\d+) ([0-9a-f]{64})$/.exec(l)
    if (m) signed.set(m[1]!, { position: Number(m[2]), hash: m[3]! })
  }
  for (const [stream, s] of signed) {
    count('chain')
    const head = file.heads.get(stream)
    if (!head)
      problem({
        check: 'chain',
        streamId: stream,
        detail: `stream ${stream} is missing from the file (dropped)`,
        expected: `${s.position + 1} events`,
        found: 'none',
      })
    else if (head.position !== s.position || head.hash !== s.hash)
      problem({
        check: 'chain',
        streamId: stream,
        streamPosition: head.position,
        detail: `the last event of stream ${stream} is not the one the ledger signed (${head.position < s.position ? 'events removed from its end' : 'altered or added'})`,
        expected: `position ${s.position} ${s.hash}`,
        found: `position ${head.position} ${head.hash}`,
      })
  }
  for (const stream of file.heads.keys())
    if (!signed.has(stream)) problem({ check: 'chain', streamId: stream, detail: `stream ${stream} is not in the export the ledger signed (added)` })
}

function checkSince(since: string, key: VerifierKey, size: number, tree: ReturnType<typeof memorySubtrees>, problem: Report, count: (c: string) => void) {
  count('checkpoint')
  let old: ReturnType<typeof openCheckpoint>
  try {
    old = openCheckpoint(since, key)
  } catch (error) {
    return problem({ check: 'checkpoint', detail: `the earlier checkpoint does not verify: ${(error as Error).message}` })
  }
  if (old.size > size)
    return problem({
      check: 'checkpoint',
      detail: `the earlier checkpoint has ${old.size} leaves, the export's only ${size}: the ledger shrank, or the export is older than it`,
      expected: `at least ${old.size}`,
      found: String(size),
    })
  const prefix = rootOf(old.size, tree)
  if (!prefix.equals(old.root))
    problem({
      check: 'checkpoint',
      detail: `the ledger rewrote history: the first ${old.size} leaves of the export's tree are not the tree it signed earlier`,
      expected: old.root.toString('hex'),
      found: prefix.toString('hex'),
    })
}
