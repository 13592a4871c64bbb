import type { Sql, TransactionSql } from '../db/database.ts'
import { FollowerLoop } from '../store/follower-loop.ts'
import { type EventStore, LOG_START, type LogEntry, type LogPosition } from '../store/port.ts'
import { consistencyProof, EMPTY_ROOT, inclusionProof, leafHash, nodeHash, rootOf, type Subtrees, withSubtrees } from './merkle.ts'
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

/** A subtree of the tree's right edge, with its hash: what the next leaves join. */
interface EdgeSubtree {
  level: number
  index: number
  hash: Buffer
}

/**
 * What a follower knows of the tree after its own last commit: its state, its right edge and the transaction that
 * wrote the tree row (its `xmin`). While the row still carries that stamp no one else has changed the tree, so the
 * next batch needs neither the lock's read nor the edge's subtrees from the database.
 */
interface KnownTree {
  state: TreeState
  edge: EdgeSubtree[]
  stamp: string
}

/**
 * Adds the log's events to the tree in reader order, as a projection follows the log: each batch's leaves, the
 * subtrees they complete and the tree's new size and position in one transaction under the tree row's lock, so two
 * followers never add the same batch and a crash at any instant loses or repeats nothing.
 */
export class TreeFollower {
  private readonly background: FollowerLoop
  private known: KnownTree | null = null
  /** The latest checkpoint as this follower last saw it (undefined: not looked at yet), to ask the database only when one may be due. */
  private checkpointed: { size: number; at: number } | null | undefined = undefined

  constructor(
    private readonly sql: Sql,
    private readonly store: EventStore,
    private readonly options: FollowerOptions = {},
  ) {
    // While the log is busy, the loop takes what accumulated every `idleMs` rather than chasing each commit: a
    // step costs round trips and a transaction whatever it carries, and both cores belong to the writers.
    this.background = new FollowerLoop(async () => {
      const { added, more } = await this.advance()
      return more ? Math.max(added, 1) : 0
    }, options.idleMs ?? 200)
  }

  /** One batch: the events after the tree's position, added; then a checkpoint if one is due. */
  async step(): Promise<number> {
    return (await this.advance()).added
  }

  /** One batch; `more` when the page was full (or the tree moved under this follower), so the next should come at once. */
  private async advance(): Promise<{ added: number; more: boolean }> {
    const before = this.known?.state ?? (await treeState(this.sql))
    const limit = this.options.batchSize ?? 2000
    // Only where each event stands and its hash: the content is not the tree's business (and costs the most to read).
    const read = { after: before.position, limit }
    const page = this.store.readAllEntries ? await this.store.readAllEntries(read) : await this.store.readAll(read)
    let added = 0
    let moved = false
    if (page.events.length > 0) {
      const known = this.known?.state === before ? this.known : null
      const result = await this.sql.begin((tx) => this.add(tx, before, known, page.events))
      this.known = result
      added = result ? page.events.length : 0
      moved = result === null
    }
    if (this.options.checkpoints) await this.checkpointWhenDue(this.options.checkpoints, before.size + added)
    return { added, more: moved || page.events.length >= limit }
  }

  /**
   * Adds the batch after `expected` in one statement: the tree row's update (which takes its lock and checks that it
   * still is as expected), the leaves and the completed subtrees. Without a `known` edge (first batch, or after
   * another writer) the row is locked and the edge read first. Returns what the tree is after it, or null when the
   * tree was not as expected (another follower moved it): nothing is written then.
   */
  private async add(tx: TransactionSql, expected: TreeState, known: KnownTree | null, events: LogEntry[]): Promise<KnownTree | null> {
    let edge: EdgeSubtree[]
    let stamp: string
    if (known) {
      edge = known.edge
      stamp = known.stamp
    } else {
      const [row] = await tx<{ size: string; tx: string; gp: string; stamp: string }[]>`
        SELECT size::text, transaction_id::text AS tx, global_position::text AS gp, xmin::text AS stamp FROM transparency.tree FOR UPDATE`
      if (
        !row ||
        Number(row.size) !== expected.size ||
        BigInt(row.tx) !== expected.position.transactionId ||
        BigInt(row.gp) !== expected.position.globalPosition
      )
        return null
      const frontier = frontierOf(expected.size)
      const sub = await fetchSubtrees(tx)(frontier)
      edge = frontier.map((f) => ({ ...f, hash: sub(f.level, f.index) }))
      stamp = row.stamp
    }
    const stack = [...edge]
    const nodes: { level: number; node_index: number; hash: string }[] = []
    let size = expected.size
    let lastLeaf: Buffer = EMPTY_ROOT
    for (const e of events) {
      lastLeaf = leafHash(e.hash)
      stack.push({ level: 0, index: size, hash: lastLeaf })
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
    const first = expected.position
    const last = events[events.length - 1]!
    // The leaves' columns come from the log's rows in the range just read: a range of transactions older than every
    // running one when it was read, so it holds exactly the events read, no more (checked: their count and the last
    // leaf, against the one hashed here) and nothing is sent back and forth but the subtrees.
    const [done] = await tx<{ stamp: string | null; leaves: number; last_gp: string | null; last_leaf: string | null }[]>`
      WITH moved AS (
        UPDATE transparency.tree SET size = ${size}, transaction_id = ${String(last.transactionId)}, global_position = ${String(last.globalPosition)}, updated_at = now()
        WHERE size = ${expected.size} AND transaction_id = ${String(first.transactionId)} AND global_position = ${String(first.globalPosition)} AND xmin::text = ${stamp}
        RETURNING xmin::text AS stamp),
      leaves AS (
        INSERT INTO transparency.leaves (leaf_index, event_id, stream_id, stream_position, global_position, event_hash, leaf_hash)
        SELECT ${expected.size - 1} + row_number() OVER (ORDER BY e.transaction_id, e.global_position), e.event_id, e.stream_id, e.stream_position,
          e.global_position, decode(e.hash, 'hex'), sha256('\\x00'::bytea || decode(e.hash, 'hex'))
        FROM ledger.events e
        WHERE EXISTS (SELECT FROM moved)
          AND (e.transaction_id, e.global_position) > (${String(first.transactionId)}::xid8, ${String(first.globalPosition)}::bigint)
          AND (e.transaction_id, e.global_position) <= (${String(last.transactionId)}::xid8, ${String(last.globalPosition)}::bigint)
        RETURNING leaf_index, global_position, leaf_hash),
      nodes AS (
        INSERT INTO transparency.nodes (level, node_index, hash)
        SELECT r.level, r.node_index, decode(r.hash, 'hex') FROM json_to_recordset(${JSON.stringify(nodes)}::text::json) AS r(level smallint, node_index bigint, hash text)
        WHERE EXISTS (SELECT FROM moved))
      SELECT (SELECT stamp FROM moved) AS stamp, (SELECT count(*)::int FROM leaves) AS leaves,
        (SELECT global_position::text FROM leaves WHERE leaf_index = ${size - 1}) AS last_gp,
        (SELECT encode(leaf_hash, 'hex') FROM leaves WHERE leaf_index = ${size - 1}) AS last_leaf`
    if (!done?.stamp) return null
    if (done.leaves !== events.length || done.last_gp !== String(last.globalPosition) || done.last_leaf !== lastLeaf.toString('hex'))
      throw new Error(
        `the log's rows after ${first.globalPosition} up to ${last.globalPosition} are not the ${events.length} events read: the tree is left as it was`,
      )
    this.options.faults?.('tree:before-commit')
    return { state: { size, position: { transactionId: last.transactionId, globalPosition: last.globalPosition } }, edge: stack, stamp: done.stamp }
  }

  /** Signs a checkpoint when the policy says one is due; the database is asked only when it may be, by what this follower saw last. */
  private async checkpointWhenDue(policy: CheckpointPolicy, size: number) {
    const seen = this.checkpointed
    if (seen !== undefined) {
      const grew = size > (seen?.size ?? 0)
      const due = !seen || size - seen.size >= policy.everyEvents || Date.now() - seen.at >= policy.everySeconds * 1000
      if (!grew || !due) return
    }
    const latest = await checkpointIfDue(this.sql, policy)
    this.checkpointed = latest ? { size: latest.size, at: latest.createdAt.getTime() } : null
  }

  /** Adds everything committed before it was called (waiting up to 30 s for commits readers cannot see yet). */
  async catchUp(): Promise<number> {
    let total = 0
    const deadline = Date.now() + 30_000
    for (;;) {
      const { added, more } = await this.advance()
      total += added
      if (added > 0 || more) continue
      const { position } = await treeState(this.sql)
      if ((await this.store.countAfter(position, { max: 1, includeUnreadable: true })) === 0 || Date.now() > deadline) return total
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** Runs in the background until `stop`: at once while pages come full, else every `idleMs` (or when poked). */
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
