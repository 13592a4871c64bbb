import crypto from 'node:crypto'
import type { EventMetadata, NewEvent } from '../../src/store/port.ts'

export const testMetadata = (over: Partial<EventMetadata> = {}): EventMetadata => ({
  actor: 'operator:test',
  correlationId: 'test-correlation',
  causationId: null,
  idempotencyKey: null,
  ...over,
})

/** A throwaway event with a fresh id; `data` defaults to something unique to tell events apart. */
export function anEvent(data: Record<string, unknown> = {}, type = 'TestHappened'): NewEvent {
  return {
    eventId: crypto.randomUUID(),
    type,
    schemaVersion: 1,
    data: { note: crypto.randomBytes(4).toString('hex'), ...data },
    metadata: testMetadata(),
  }
}

export const events = (n: number, data: Record<string, unknown> = {}) => Array.from({ length: n }, (_, i) => anEvent({ ...data, i }))
