import type { Sql } from '../db/database.ts'
import type { VerifierKey } from './note.ts'
import {
  type CheckpointPolicy,
  checkpointIfDue,
  checkpointOfSize,
  latestCheckpoint,
  leafOfEvent,
  type StoredCheckpoint,
  type TreeFollower,
  treeConsistencyProof,
  treeInclusionProof,
  treeState,
} from './tree.ts'

/** A question about the log that has no answer: an unknown event, a size the tree does not have. */
export class TransparencyError extends Error {
  constructor(
    readonly code: 'event_not_found' | 'no_checkpoint' | 'size_out_of_range',
    message: string,
  ) {
    super(message)
    this.name = 'TransparencyError'
  }
}

export interface InclusionAnswer {
  eventId: string
  leafIndex: number
  eventHash: string
  leafHash: string
  treeSize: number
  /** Hex hashes of the audit path, from the leaf up (RFC 9162 §2.1.3). */
  proof: string[]
  /** The signed checkpoint of `treeSize`, when one is kept. */
  checkpoint: string | null
}

/** What the API and the CLI answer about the transparency log: checkpoints, the key and proofs (hashes only). */
export class TransparencyLog {
  constructor(
    readonly sql: Sql,
    readonly verifier: VerifierKey | null,
    readonly origin: string,
    private readonly follower: TreeFollower | null,
    private readonly policy: CheckpointPolicy | null,
  ) {}

  latest(): Promise<StoredCheckpoint | null> {
    return latestCheckpoint(this.sql)
  }

  /** The latest checkpoint, signed now when the tree grew since (or none was made yet) and this process may sign. */
  async fresh(): Promise<StoredCheckpoint> {
    await this.follower?.catchUp()
    const c = this.policy ? await checkpointIfDue(this.sql, this.policy, { force: true }) : await latestCheckpoint(this.sql)
    if (!c) throw new TransparencyError('no_checkpoint', 'the ledger has signed no checkpoint yet')
    return c
  }

  /** The audit path of an event in the tree of `size` leaves (default: the latest checkpoint, signed now if it does not cover the event). */
  async inclusion(eventId: string, size?: number): Promise<InclusionAnswer> {
    let leaf = await leafOfEvent(this.sql, eventId)
    if (!leaf && this.follower) {
      await this.follower.catchUp()
      leaf = await leafOfEvent(this.sql, eventId)
    }
    if (!leaf) throw new TransparencyError('event_not_found', `no event ${eventId} in the log's tree`)
    let checkpoint: StoredCheckpoint | null = null
    if (size === undefined) {
      checkpoint = await this.latest()
      if (!checkpoint || checkpoint.size <= leaf.leafIndex) checkpoint = await this.fresh()
      size = checkpoint.size
    } else {
      await this.checkSize(size)
      checkpoint = await checkpointOfSize(this.sql, size)
    }
    if (leaf.leafIndex >= size) throw new TransparencyError('size_out_of_range', `event ${eventId} is leaf ${leaf.leafIndex}, not in a tree of ${size}`)
    const proof = await treeInclusionProof(this.sql, leaf.leafIndex, size)
    return {
      eventId,
      leafIndex: leaf.leafIndex,
      eventHash: leaf.eventHash,
      leafHash: leaf.leafHash.toString('hex'),
      treeSize: size,
      proof: proof.map((p) => p.toString('hex')),
      checkpoint: checkpoint?.note ?? null,
    }
  }

  /** That the tree of `from` leaves is a prefix of the tree of `to` (default: the latest checkpoint). */
  async consistency(from: number, to?: number): Promise<{ from: number; to: number; proof: string[] }> {
    if (to === undefined) {
      const latest = await this.latest()
      if (!latest) throw new TransparencyError('no_checkpoint', 'the ledger has signed no checkpoint yet')
      to = latest.size
    }
    await this.checkSize(to)
    if (from > to) throw new TransparencyError('size_out_of_range', `from (${from}) is beyond to (${to})`)
    return { from, to, proof: (await treeConsistencyProof(this.sql, from, to)).map((p) => p.toString('hex')) }
  }

  private async checkSize(size: number) {
    const { size: now } = await treeState(this.sql)
    if (size > now) throw new TransparencyError('size_out_of_range', `the tree has ${now} leaves, not ${size}`)
  }
}
