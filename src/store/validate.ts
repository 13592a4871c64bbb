import { DuplicateEventIdError, type NewEvent } from './port.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** What every adapter refuses before touching its database: the same rules whichever store keeps the log. */
export function validateBatch(streamId: string, events: NewEvent[]): void {
  if (streamId.length === 0 || streamId.length > 200) throw new TypeError('a stream id has 1 to 200 characters')
  if (events.length === 0) throw new TypeError('an append needs at least one event')
  const seen = new Set<string>()
  for (const e of events) {
    if (!UUID.test(e.eventId)) throw new TypeError(`event id ${JSON.stringify(e.eventId)} is not a lower-case UUID`)
    if (seen.has(e.eventId)) throw new DuplicateEventIdError(e.eventId, 'twice in the same append')
    seen.add(e.eventId)
  }
}
