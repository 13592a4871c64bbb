import type { Sql, TransactionSql } from '../db/database.ts'
import { FollowerLoop } from '../store/follower-loop.ts'
import { type EventStore, LOG_START, type LogEntry, type LogPosition } from '../store/port.ts'
import { consistencyProof, inclusionProof, leafHash, nodeHash, rootOf, type Subtrees, withSubtrees } from './merkle.ts'
import { type SigningKey, signCheckpoint } from './note.ts'

// The transparency log's tree as the database keeps it (migration 0007): leaves and complete subtrees, written by a
// follower of the log after events commit, never inside an append. Roots and proofs read O(log n) rows.

type Q = Sql | TransactionSql

export interface TreeState {
  size: number
  /** The log position of the last leaf: the follower reads on after it. */
  position: LogPosition
}

export async function treeState(sql: Q, options: { lock?: boolean } = {}): Promise<TreeState> {
  const rows = options.lock
    ? await sql<
        { size: string; tx: string; gp: string }[]
      >`SELECT size::text, transaction_id::text AS tx, global_position::text AS gp FROM transparency.tree FOR UPDATE`
    : await sql<{ size: string; tx: string; gp: string }[]>`SELECT size::text, transaction_id::text AS tx, global_position::text AS gp FROM transparency.tree`
  const row = rows[0]
  if (!row) return { size: 0, position: LOG_START }
  return { size: Number(row.size), position: { transactionId: BigInt(row.tx), globalPosition: BigInt(row.gp) } }
}

/**
 * Subtrees below this level are not stored: they are hashed again from their at most 2^(STORED_FROM − 1) leaves when
 * read, which spares the follower seven in eight of the rows it would otherwise write.
 */
const STORED_FROM = 4

/** Fetches the subtrees a computation needs in one query; a missing one means the tree is behind or damaged. */
function fetchSubtrees(sql: Q) {
  return async (wanted: { level: number; index: number }[]): Promise<Subtrees> => {
    // Low subtrees come from their leaves: each a range [index·2^level, (index+1)·2^level).
    const ranges = wanted.filter((w) => w.level < STORED_FROM).map((w) => ({ from: String(w.index * 2 ** w.level), to: String((w.index + 1) * 2 ** w.level) }))
    const nodes = wanted.filter((w) => w.level >= STORED_FROM).map((w) => ({ level: w.level, node_index: String(w.index) }))
    const rows = await sql<{ level: number; idx: string; hash: string }[]>`
      SELECT 0 AS level, l.leaf_index::text AS idx, encode(l.leaf_hash, 'hex') AS hash FROM transparency.leaves l
      JOIN jsonb_to_recordset(${JSON.stringify(ranges)}::text::jsonb) AS r("from" bigint, "to" bigint) ON l.leaf_index >= r."from" AND l.leaf_index < r."to"
      UNION ALL
      SELECT n.level, n.node_index::text, encode(n.hash, 'hex') FROM transparency.nodes n
      JOIN jsonb_to_recordset(${JSON.stringify(nodes)}::text::jsonb) AS w(level smallint, node_index bigint) USING (level, node_index)`
    const found = new Map<string, Buffer>(rows.map((r) => [`${r.level}/${r.idx}`, Buffer.from(r.hash, 'hex')]))
    const sub: Subtrees = (level, index) => {
      const key = `${level}/${index}`
      let h = found.get(key)
      if (!h && level > 0 && level < STORED_FROM) {
        h = nodeHash(sub(level - 1, 2 * index), sub(level - 1, 2 * index + 1))
        found.set(key, h)
      }
      if (!h) throw new Error(`the tree has no subtree of level ${level} at ${index}: it is behind the log or damaged; \`ledger verify\` names why`)
      return h
    }
    return sub
  }
}

/** The subtrees of the tree's right edge (the binary digits of its size), largest first: what the next leaf joins. */
function frontierOf(size: number): { level: number; index: number }[] {
  const out: { level: number; index: number }[] = []
  let offset = 0
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level
    if (Math.floor(size / width) % 2 === 1) {
      out.push({ level, index: offset / width })
      offset += width
    }
  }
  return out
}

export async function treeRoot(sql: Q, size: number): Promise<Buffer> {
  return withSubtrees(fetchSubtrees(sql), (sub) => rootOf(size, sub))
}

export interface Leaf {
  leafIndex: number
  eventId: string
  globalPosition: bigint
  eventHash: string
  leafHash: Buffer
}

export async function leafOfEvent(sql: Q, eventId: string): Promise<Leaf | null> {
  const [row] = await sql<{ i: string; gp: string; eh: string; lh: string }[]>`
    SELECT leaf_index::text AS i, global_position::text AS gp, encode(event_hash, 'hex') AS eh, encode(leaf_hash, 'hex') AS lh
    FROM transparency.leaves WHERE event_id = ${eventId}`
  return row ? { leafIndex: Number(row.i), eventId, globalPosition: BigInt(row.gp), eventHash: row.eh, leafHash: Buffer.from(row.lh, 'hex') } : null
}

export async function treeInclusionProof(sql: Q, leafIndex: number, size: number): Promise<Buffer[]> {
  return withSubtrees(fetchSubtrees(sql), (sub) => inclusionProof(leafIndex, size, sub))
}

export async function treeConsistencyProof(sql: Q, from: number, to: number): Promise<Buffer[]> {
  return withSubtrees(fetchSubtrees(sql), (sub) => consistencyProof(from, to, sub))
}

/** Who signs checkpoints and when: at most every `everyEvents` leaves or `everySeconds` once the tree grew. */
export interface CheckpointPolicy {
  key: SigningKey
  origin: string
  everyEvents: number
  everySeconds: number
}

export interface StoredCheckpoint {
  size: number
  root: Buffer
  note: string
  createdAt: Date
}

const toCheckpoint = (r: { size: string; root: string; note: string; created_at: Date }): StoredCheckpoint => ({
  size: Number(r.size),
  root: Buffer.from(r.root, 'hex'),
  note: r.note,
  createdAt: new Date(r.created_at),
})

export async function latestCheckpoint(sql: Q): Promise<StoredCheckpoint | null> {
  const [row] = await sql<{ size: string; root: string; note: string; created_at: Date }[]>`
    SELECT tree_size::text AS size, encode(root, 'hex') AS root, note, created_at FROM transparency.checkpoints ORDER BY tree_size DESC LIMIT 1`
  return row ? toCheckpoint(row) : null
}

export async function checkpointOfSize(sql: Q, size: number): Promise<StoredCheckpoint | null> {
  const [row] = await sql<{ size: string; root: string; note: string; created_at: Date }[]>`
    SELECT tree_size::text AS size, encode(root, 'hex') AS root, note, created_at FROM transparency.checkpoints WHERE tree_size = ${size}`
  return row ? toCheckpoint(row) : null
}

/** Kept checkpoints from a tree size on, oldest first. */
export async function listCheckpoints(sql: Q, options: { from?: number; limit?: number } = {}): Promise<StoredCheckpoint[]> {
  const rows = await sql<{ size: string; root: string; note: string; created_at: Date }[]>`
    SELECT tree_size::text AS size, encode(root, 'hex') AS root, note, created_at FROM transparency.checkpoints
    WHERE tree_size >= ${options.from ?? 0} ORDER BY tree_size LIMIT ${options.limit ?? 100}`
  return rows.map(toCheckpoint)
}

/**
 * Signs a checkpoint of the tree as it stands, when it is due by the policy (or `force`d) and the tree grew since
 * the last one; returns the latest kept checkpoint either way (null while there is none).
 */
export async function checkpointIfDue(sql: Sql, policy: CheckpointPolicy, options: { force?: boolean; now?: Date } = {}): Promise<StoredCheckpoint | null> {
  return sql.begin(async (tx) => {
    const { size } = await treeState(tx, { lock: true })
    const latest = await latestCheckpoint(tx)
    if (latest && latest.size >= size) return latest
    if (!latest && size === 0 && !options.force) return null
    const now = options.now ?? new Date()
    const due = options.force || !latest || size - latest.size >= policy.everyEvents || now.getTime() - latest.createdAt.getTime() >= policy.everySeconds * 1000
    if (!due) return latest
    const root = await treeRoot(tx, size)
    const note = signCheckpoint({ origin: policy.origin, size, root }, policy.key)
    await tx`INSERT INTO transparency.checkpoints (tree_size, root, origin, key_name, note, created_at)
      VALUES (${size}, decode(${root.toString('hex')}, 'hex'), ${policy.origin}, ${policy.key.name}, ${note}, ${now})`
    return { size, root, note, createdAt: now }
  })
}

export interface FollowerOptions {
  batchSize?: number
  idleMs?: number
  checkpoints?: CheckpointPolicy
  /** Called inside each batch's transaction just before it commits; tests throw here to simulate a crash. */
  faults?: (point: string) => void
}

/**
 * Adds the log's events to the tree in reader order, as a projection follows the log: each batch's leaves, the
 * subtrees they complete and the tree's new size and position in one transaction under the tree row's lock, so two
 * followers never add the same batch and a crash at any instant loses or repeats nothing.
 */
export class TreeFollower {
  private readonly background: FollowerLoop

  constructor(
    private readonly sql: Sql,
    private readonly store: EventStore,
    private readonly options: FollowerOptions = {},
  ) {
    this.background = new FollowerLoop(() => this.step(), options.idleMs ?? 200)
  }

  /** One batch: the events after the tree's position, added; then a checkpoint if one is due. */
  async step(): Promise<number> {
    const before = await treeState(this.sql)
    // Only where each event stands and its hash: the content is not the tree's business (and costs the most to read).
    const read = { after: before.position, limit: this.options.batchSize ?? 2000 }
    const page = this.store.readAllEntries ? await this.store.readAllEntries(read) : await this.store.readAll(read)
    const added = page.events.length === 0 ? 0 : await this.sql.begin((tx) => this.add(tx, before, page.events))
    if (this.options.checkpoints) await checkpointIfDue(this.sql, this.options.checkpoints)
    return added
  }

  private async add(tx: TransactionSql, expected: TreeState, events: LogEntry[]) {
    const now = await treeState(tx, { lock: true })
    if (now.size !== expected.size || now.position.globalPosition !== expected.position.globalPosition) return 0
    const frontier = frontierOf(now.size)
    const sub = await fetchSubtrees(tx)(frontier)
    const stack = frontier.map((f) => ({ ...f, hash: sub(f.level, f.index) }))
    const leaves: {
      leaf_index: number
      event_id: string
      stream_id: string
      stream_position: number
      global_position: string
      event_hash: string
      leaf_hash: string
    }[] = []
    const nodes: { level: number; node_index: number; hash: string }[] = []
    let size = now.size
    for (const e of events) {
      const hash = leafHash(e.hash)
      leaves.push({
        leaf_index: size,
        event_id: e.eventId,
        stream_id: e.streamId,
        stream_position: e.streamPosition,
        global_position: String(e.globalPosition),
        event_hash: e.hash,
        leaf_hash: hash.toString('hex'),
      })
      stack.push({ level: 0, index: size, hash })
      size++
      // Two subtrees of one size side by side make the next one up, as binary addition carries.
      while (stack.length >= 2 && stack[stack.length - 1]!.level === stack[stack.length - 2]!.level) {
        const right = stack.pop()!
        const left = stack.pop()!
        const merged = { level: left.level + 1, index: left.index / 2, hash: nodeHash(left.hash, right.hash) }
        if (merged.level >= STORED_FROM) nodes.push({ level: merged.level, node_index: merged.index, hash: merged.hash.toString('hex') })
        stack.push(merged)
      }
    }
    await tx`INSERT INTO transparency.leaves (leaf_index, event_id, stream_id, stream_position, global_position, event_hash, leaf_hash)
      SELECT r.leaf_index, r.event_id, r.stream_id, r.stream_position, r.global_position, decode(r.event_hash, 'hex'), decode(r.leaf_hash, 'hex')
      FROM jsonb_to_recordset(${JSON.stringify(leaves)}::text::jsonb)
        AS r(leaf_index bigint, event_id uuid, stream_id text, stream_position bigint, global_position bigint, event_hash text, leaf_hash text)`
    if (nodes.length > 0)
      await tx`INSERT INTO transparency.nodes (level, node_index, hash)
        SELECT r.level, r.node_index, decode(r.hash, 'hex') FROM jsonb_to_recordset(${JSON.stringify(nodes)}::text::jsonb) AS r(level smallint, node_index bigint, hash text)`
    const last = events[events.length - 1]!
    await tx`UPDATE transparency.tree SET size = ${size}, transaction_id = ${String(last.transactionId)}, global_position = ${String(last.globalPosition)}, updated_at = now()`
    this.options.faults?.('tree:before-commit')
    return events.length
  }

  /** Adds everything committed before it was called (waiting up to 30 s for commits readers cannot see yet). */
  async catchUp(): Promise<number> {
    let total = 0
    const deadline = Date.now() + 30_000
    for (;;) {
      const n = await this.step()
      total += n
      if (n > 0) continue
      const { position } = await treeState(this.sql)
      if ((await this.store.countAfter(position, { max: 1, includeUnreadable: true })) === 0 || Date.now() > deadline) return total
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** Runs in the background until `stop`, waiting `idleMs` whenever it has caught up. */
  start(onError: (error: unknown) => void = () => {}): void {
    this.background.start(onError)
  }

  poke(): void {
    this.background.poke()
  }

  stop(): Promise<void> {
    return this.background.stop()
  }
}

/** Empties the tree so the follower rebuilds it from the first event; the signed checkpoints stay, to be checked. */
export async function resetTree(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await treeState(tx, { lock: true })
    await tx`DELETE FROM transparency.nodes`
    await tx`DELETE FROM transparency.leaves`
    await tx`UPDATE transparency.tree SET size = 0, transaction_id = 0, global_position = 0, updated_at = now()`
  })
}
