import { businessDateOf, type LedgerEvent, upcast } from '../../events/index.ts'
import { moneyMoveOf } from '../domain/certificate-money.ts'
import type { RecordedEvent } from '../store/port.ts'

// The audit trail: every event that touched a certificate or a contract, in the order of its business dates (the
// log's order within a day), with when it was recorded, who caused it, and what it did to the certificate's money
// (balance before and after, on that business date).

export interface HistoryEntry {
  globalPosition: string
  streamId: string
  streamPosition: number
  eventId: string
  type: string
  /** The day the event is effective on (events/business-date.ts), not the clock; null for registry facts. */
  businessDate: string | null
  recordedAt: string
  actor: string
  correlationId: string
  causationId: string | null
  /** For events that move the certificate's money: the period and its balance, reserved and spent before and after. */
  money: {
    periodId: string
    balanceBefore: number
    balanceAfter: number
    reservedBefore: number
    reservedAfter: number
    spentBefore: number
    spentAfter: number
  } | null
  data: unknown
  hash: string
}

/** Events in the order of their business dates, the log's order within a day (and for those without a date, first). */
export function inBusinessOrder(events: readonly RecordedEvent[]): RecordedEvent[] {
  return events
    .map((e, i) => ({ e, i, date: businessDateOf(upcast(e)) ?? '' }))
    .sort((a, b) => (a.date === b.date ? a.i - b.i : a.date < b.date ? -1 : 1))
    .map((x) => x.e)
}

/**
 * The trail of a certificate's events (all events naming it, given in commit order), in business order, with the
 * money effect of each.
 */
export function certificateHistory(events: readonly RecordedEvent[]): HistoryEntry[] {
  const money = new Map<string, { nominal: number; reserved: number; spent: number }>()
  return inBusinessOrder(events).map((stored) => {
    const e = upcast(stored)
    const move = moneyMoveOf(e as LedgerEvent)
    let effect: HistoryEntry['money'] = null
    if (move) {
      const m = money.get(move.periodId) ?? { nominal: 0, reserved: 0, spent: 0 }
      const before = { ...m }
      m.nominal += move.nominal
      m.reserved += move.reserved
      m.spent += move.spent
      money.set(move.periodId, m)
      effect = {
        periodId: move.periodId,
        balanceBefore: before.nominal - before.reserved - before.spent,
        balanceAfter: m.nominal - m.reserved - m.spent,
        reservedBefore: before.reserved,
        reservedAfter: m.reserved,
        spentBefore: before.spent,
        spentAfter: m.spent,
      }
    }
    return {
      globalPosition: e.globalPosition.toString(),
      streamId: e.streamId,
      streamPosition: e.streamPosition,
      eventId: e.eventId,
      type: e.type,
      businessDate: businessDateOf(e),
      recordedAt: e.recordedAt.toISOString(),
      actor: e.metadata.actor,
      correlationId: e.metadata.correlationId,
      causationId: e.metadata.causationId ?? null,
      money: effect,
      data: stored.data,
      hash: e.hash,
    }
  })
}
