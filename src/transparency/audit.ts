import type { Sql } from '../db/database.ts'
import type { RecordedEvent } from '../store/port.ts'
import { EMPTY_ROOT, leafHash, nodeHash } from './merkle.ts'
import { openCheckpoint, parseCheckpoint, type VerifierKey } from './note.ts'
import { treeState } from './tree.ts'

// `ledger verify`'s reading of the transparency log: the tree the database keeps against the log itself, leaf by
// leaf, and every kept checkpoint against the log: its signature, and its root recomputed from the log's own events.
// A stream's last event deleted, a history rewritten with recomputed chains, a stream dropped or an event inserted
// behind the ledger's back each change a leaf or a root the ledger signed, whether or not the tree was rebuilt.

export interface TreeProblem {
  check: 'tree' | 'checkpoint'
  detail: string
  streamId?: string
  streamPosition?: number
  eventId?: string
  globalPosition?: string
  expected?: string
  found?: string
}

interface StoredLeaf {
  i: string
  event_id: string
  stream_id: string
  stream_position: string
  global_position: string
  event_hash: string
}

/** A tree grown one leaf at a time with O(log n) memory: the roots of its complete subtrees, largest first. */
class Frontier {
  private readonly stack: { level: number; hash: Buffer }[] = []
  size = 0
  add(leaf: Buffer) {
    this.stack.push({ level: 0, hash: leaf })
    this.size++
    while (this.stack.length >= 2 && this.stack[this.stack.length - 1]!.level === this.stack[this.stack.length - 2]!.level) {
      const right = this.stack.pop()!
      const left = this.stack.pop()!
      this.stack.push({ level: left.level + 1, hash: nodeHash(left.hash, right.hash) })
    }
  }
  root(): Buffer {
    if (this.stack.length === 0) return EMPTY_ROOT
    let acc = this.stack[this.stack.length - 1]!.hash
    for (let i = this.stack.length - 2; i >= 0; i--) acc = nodeHash(this.stack[i]!.hash, acc)
    return acc
  }
}

export class TreeAudit {
  private readonly frontier = new Frontier()
  /** Leaves that differ from the log, after the first (which is named). */
  private differing = 0
  private next = 0

  private constructor(
    private readonly sql: Sql,
    private readonly treeSize: number,
    /** Checkpoints to check when the log reaches their size, smallest first. */
    private readonly pending: { size: number; root: Buffer; createdAt: string }[],
    private readonly problem: (p: TreeProblem) => void,
    private readonly count: (check: string, n?: number) => void,
  ) {}

  /** Reads the tree's size and checks every kept checkpoint's signature; their roots are checked as the log is read. */
  static async start(
    sql: Sql,
    verifier: VerifierKey | null,
    problem: (p: TreeProblem) => void,
    count: (check: string, n?: number) => void,
  ): Promise<TreeAudit> {
    const { size } = await treeState(sql)
    const rows = await sql<{ size: string; root: string; note: string; created_at: Date }[]>`
      SELECT tree_size::text AS size, encode(root, 'hex') AS root, note, created_at FROM transparency.checkpoints ORDER BY tree_size`
    const pending: { size: number; root: Buffer; createdAt: string }[] = []
    for (const r of rows) {
      count('checkpoint')
      const at = `the checkpoint of size ${r.size} signed ${new Date(r.created_at).toISOString()}`
      try {
        const c = verifier ? openCheckpoint(r.note, verifier) : parseCheckpoint(r.note)
        if (String(c.size) !== r.size || c.root.toString('hex') !== r.root) {
          problem({
            check: 'checkpoint',
            detail: `${at}: its row differs from its signed note`,
            expected: `${c.size} ${c.root.toString('hex')}`,
            found: `${r.size} ${r.root}`,
          })
        }
        pending.push({ size: c.size, root: c.root, createdAt: new Date(r.created_at).toISOString() })
      } catch (error) {
        problem({
          check: 'checkpoint',
          detail: `${at} does not verify: ${(error as Error).message}`,
          expected: 'a note signed by the ledger key',
          found: r.note.slice(0, 200),
        })
      }
    }
    return new TreeAudit(sql, size, pending, problem, count)
  }

  /** The next page of the log, in reader order. */
  async feed(events: readonly RecordedEvent[]): Promise<void> {
    const first = this.next
    const last = Math.min(first + events.length, this.treeSize) - 1
    const stored =
      last >= first
        ? await this.sql<StoredLeaf[]>`
            SELECT leaf_index::text AS i, event_id::text, stream_id, stream_position::text, global_position::text, encode(event_hash, 'hex') AS event_hash
            FROM transparency.leaves WHERE leaf_index BETWEEN ${first} AND ${last} ORDER BY leaf_index`
        : []
    const byIndex = new Map(stored.map((l) => [Number(l.i), l]))
    for (const e of events) {
      const index = this.next++
      this.checkRoots()
      this.frontier.add(leafHash(e.hash))
      if (index < this.treeSize) {
        this.count('tree')
        await this.compare(index, e, byIndex.get(index))
      }
    }
    this.checkRoots()
  }

  private async compare(index: number, e: RecordedEvent, leaf: StoredLeaf | undefined) {
    if (leaf && leaf.event_id === e.eventId && leaf.event_hash === e.hash) return
    if (this.differing++ > 0) return
    const at = { streamId: e.streamId, streamPosition: e.streamPosition, eventId: e.eventId, globalPosition: e.globalPosition.toString() }
    if (!leaf) return this.problem({ check: 'tree', ...at, detail: `the tree has no leaf ${index}: it is damaged`, expected: e.hash, found: 'no leaf' })
    if (leaf.event_id === e.eventId)
      return this.problem({
        check: 'tree',
        ...at,
        detail: `event ${e.eventId} is not the event the tree took in as leaf ${index}: its hash changed (history rewritten)`,
        expected: leaf.event_hash,
        found: e.hash,
      })
    const [elsewhere] = await this.sql<{ i: string }[]>`SELECT leaf_index::text AS i FROM transparency.leaves WHERE event_id = ${e.eventId}`
    if (!elsewhere)
      return this.problem({
        check: 'tree',
        ...at,
        detail: `event ${e.eventId} is outside the tree: the log holds it where the tree holds another (inserted behind the ledger's back)`,
        expected: `leaf ${index}: event ${leaf.event_id} of ${leaf.stream_id} position ${leaf.stream_position}`,
        found: `event ${e.eventId}`,
      })
    if (Number(elsewhere.i) > index)
      return this.problem({
        check: 'tree',
        streamId: leaf.stream_id,
        streamPosition: Number(leaf.stream_position),
        eventId: leaf.event_id,
        globalPosition: leaf.global_position,
        detail: `event ${leaf.event_id} (${leaf.stream_id} position ${leaf.stream_position}) is in the tree as leaf ${index} but missing from the log (deleted)`,
        expected: `event ${leaf.event_id}`,
        found: `event ${e.eventId} in its place`,
      })
    this.problem({
      check: 'tree',
      ...at,
      detail: `the log's order differs from the tree's at leaf ${index}`,
      expected: `event ${leaf.event_id}`,
      found: `event ${e.eventId}`,
    })
  }

  /** Every checkpoint whose size the log has reached: its root, recomputed from the log's events. */
  private checkRoots() {
    while (this.pending.length > 0 && this.pending[0]!.size === this.frontier.size) {
      const c = this.pending.shift()!
      const root = this.frontier.root()
      if (!root.equals(c.root))
        this.problem({
          check: 'checkpoint',
          detail: `the log's first ${c.size} events do not have the root the ledger signed on ${c.createdAt}: history was rewritten, or events were removed or inserted`,
          expected: c.root.toString('hex'),
          found: root.toString('hex'),
        })
    }
  }

  /** After the whole log: leaves the log no longer has, checkpoints larger than the log. */
  async finish(): Promise<void> {
    if (this.next < this.treeSize) {
      this.count('tree')
      if (this.differing++ === 0) {
        const [leaf] = await this.sql<StoredLeaf[]>`
          SELECT leaf_index::text AS i, event_id::text, stream_id, stream_position::text, global_position::text, encode(event_hash, 'hex') AS event_hash
          FROM transparency.leaves WHERE leaf_index = ${this.next}`
        this.problem({
          check: 'tree',
          ...(leaf
            ? { streamId: leaf.stream_id, streamPosition: Number(leaf.stream_position), eventId: leaf.event_id, globalPosition: leaf.global_position }
            : {}),
          detail: `the tree holds ${this.treeSize - this.next} event(s) the log no longer has, from leaf ${this.next}${leaf ? `: event ${leaf.event_id} (${leaf.stream_id} position ${leaf.stream_position}) was deleted` : ''}`,
          expected: `${this.treeSize} events`,
          found: `${this.next} events`,
        })
      }
    }
    for (const c of this.pending)
      this.problem({
        check: 'checkpoint',
        detail: `the ledger signed ${c.size} events on ${c.createdAt}, the log now has ${this.next}: events were removed`,
        expected: `at least ${c.size} events`,
        found: `${this.next} events`,
      })
    if (this.differing > 1)
      this.problem({ check: 'tree', detail: `${this.differing} leaves in all differ from the log`, expected: '0', found: String(this.differing) })
  }
}
