import { eventHash, GENESIS_HASH } from './hash.ts'
import type { RecordedEvent } from './port.ts'

/** The first place where a stream's stored events disagree with their own hash chain. */
export interface ChainBreak {
  streamId: string
  streamPosition: number
  eventId: string
  problem: 'position_gap' | 'prev_hash_mismatch' | 'hash_mismatch'
  expected: string
  found: string
}

/**
 * Recomputes a stream's chain from its events, given in stream order from position 0: positions contiguous,
 * each prevHash the hash before it (GENESIS_HASH first), each hash the hash of the event's own content.
 */
export function findChainBreak(events: readonly RecordedEvent[]): ChainBreak | null {
  let prevHash = GENESIS_HASH
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    const at = { streamId: e.streamId, streamPosition: e.streamPosition, eventId: e.eventId }
    if (e.streamPosition !== i) {
      return { ...at, problem: 'position_gap', expected: `position ${i}`, found: `position ${e.streamPosition}` }
    }
    if (e.prevHash !== prevHash) return { ...at, problem: 'prev_hash_mismatch', expected: prevHash, found: e.prevHash }
    const recomputed = eventHash(e)
    if (recomputed !== e.hash) return { ...at, problem: 'hash_mismatch', expected: recomputed, found: e.hash }
    prevHash = e.hash
  }
  return null
}
