import {
  StreamNotFoundError as ClientStreamNotFoundError,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
  NO_STREAM,
} from '@eventstore/db-client'
import t from 'tap'
import { EventStoreDbEventStore } from '../../src/store/eventstoredb/eventstoredb-event-store.ts'
import {
  type ClientRecordedEvent,
  expectedRevision,
  ForeignEventError,
  fromClientEvent,
  idempotentResult,
  isSystemEvent,
  type StoredMetadata,
  satisfies,
  toClientPosition,
  toEventData,
  toLogPosition,
  translateError,
  UNKNOWN_POSITION,
} from '../../src/store/eventstoredb/mapping.ts'
import { batchSubscription } from '../../src/store/eventstoredb/subscription.ts'
import { eventHash, GENESIS_HASH } from '../../src/store/hash.ts'
import {
  compareLogPositions,
  DuplicateEventIdError,
  formatLogPosition,
  parseLogPosition,
  type RecordedEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../../src/store/port.ts'
import { anEvent, testMetadata } from '../helpers/events.ts'
import { FakeEventStoreDb } from '../helpers/fake-esdb.ts'

// The parts of the EventStoreDB adapter that need no server: mapping both ways, positions, errors, the
// system-event filter, the idempotency decision, the batching of a subscription.

function recorded(over: Partial<RecordedEvent> = {}): RecordedEvent {
  const e = anEvent({ certificateNumber: '0100000001', amount: 776000, nested: { b: 1, a: [1, 'two'] } })
  const fields = {
    ...e,
    metadata: testMetadata({ causationId: 'cause-1', idempotencyKey: 'key-1', extra: 'kept' }),
    streamId: 'certificate-0100000001',
    streamPosition: 4,
    recordedAt: new Date('2024-10-15T09:30:00.123Z'),
    prevHash: 'a'.repeat(64),
    ...over,
  }
  return { ...fields, hash: eventHash(fields), globalPosition: 5100n, transactionId: 5000n }
}

/** What the client would hand back for the event data the adapter wrote (JSON through the wire and back). */
function asRead(e: RecordedEvent, appendId = 'append-1'): ClientRecordedEvent {
  const data = toEventData(e, appendId)
  return {
    streamId: e.streamId,
    id: data.id,
    revision: BigInt(e.streamPosition),
    type: data.type,
    isJson: data.contentType === 'application/json',
    data: JSON.parse(JSON.stringify(data.data)),
    metadata: JSON.parse(JSON.stringify(data.metadata)),
    position: { commit: e.transactionId, prepare: e.globalPosition },
  }
}

t.test('a recorded event round-trips through the client event with identical fields, hash included', async (t) => {
  const e = recorded()
  const back = fromClientEvent(asRead(e))
  t.same(back, e)
  t.equal(back.recordedAt.toISOString(), '2024-10-15T09:30:00.123Z', 'the ledger clock, not the server one')
  t.equal(eventHash(back), back.hash, 'the hash recomputes from what was read')
  t.equal(back.globalPosition, 5100n)
  t.equal(back.transactionId, 5000n)
})

t.test('metadata layout: ledger fields in the EventStoreDB metadata, data untouched', async (t) => {
  const e = recorded()
  const data = toEventData(e, 'nonce-1')
  t.equal(data.id, e.eventId, 'the ledger event id is the EventStoreDB event id')
  t.equal(data.type, e.type)
  t.equal(data.contentType, 'application/json')
  t.same(data.data, e.data, 'data as it is')
  t.same(data.metadata as unknown as StoredMetadata, {
    ledgerLayout: 1,
    schemaVersion: e.schemaVersion,
    metadata: e.metadata,
    recordedAt: '2024-10-15T09:30:00.123Z',
    prevHash: 'a'.repeat(64),
    hash: e.hash,
    appendId: 'nonce-1',
    $correlationId: 'test-correlation',
    $causationId: 'cause-1',
  })
})

t.test('events the ledger did not write are refused, not misread', async (t) => {
  const e = asRead(recorded())
  t.throws(() => fromClientEvent({ ...e, metadata: { $correlationId: 'x' } }), ForeignEventError)
  t.throws(() => fromClientEvent({ ...e, metadata: { ...(e.metadata as object), ledgerLayout: 2 } }), ForeignEventError, 'an unknown layout')
  t.throws(() => fromClientEvent({ ...e, isJson: false }), ForeignEventError)
})

t.test('stream reads without a $all position (servers before 22.10) give the unknown position', async (t) => {
  const e = asRead(recorded())
  for (const position of [undefined, { commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n }, { commit: 0n, prepare: 0n }]) {
    const back = fromClientEvent({ ...e, position })
    t.equal(back.globalPosition, UNKNOWN_POSITION)
    t.equal(back.transactionId, UNKNOWN_POSITION)
  }
})

t.test('positions: commit is the transaction, prepare the global position; text and order as on PostgreSQL', async (t) => {
  const big = { commit: 2n ** 62n + 7n, prepare: 2n ** 62n + 9n }
  const p = toLogPosition(big)
  t.same(p, { transactionId: big.commit, globalPosition: big.prepare })
  t.same(toClientPosition(p), big, 'and back')
  t.equal(formatLogPosition(p), `${big.commit}/${big.prepare}`, 'a checkpoint string')
  t.same(parseLogPosition(formatLogPosition(p)), p, 'parsed back exactly, beyond 2^53')
  // The events of one append share the commit of the first; $all orders by commit, then prepare.
  const first = toLogPosition({ commit: 1000n, prepare: 1000n })
  const second = toLogPosition({ commit: 1000n, prepare: 1100n })
  const next = toLogPosition({ commit: 1200n, prepare: 1200n })
  t.ok(compareLogPositions(first, second) < 0 && compareLogPositions(second, next) < 0)
  t.ok(compareLogPositions(toLogPosition({ commit: 900n, prepare: 5000n }), first) < 0, 'commit decides before prepare')
})

t.test('errors: the client wrong expected version and stream not found become the port errors', async (t) => {
  const wev = new ClientWrongExpectedVersionError(undefined, { streamName: 's', expected: 3n, current: 5n })
  const translated = translateError(wev, 's', 3)
  t.type(translated, WrongExpectedVersionError)
  t.match(translated, { streamId: 's', expected: 3, actual: 5 })
  const none = translateError(new ClientWrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: NO_STREAM }), 's', 0)
  t.match(none, { actual: null }, 'no stream is a null actual version')
  const missing = translateError(new ClientStreamNotFoundError(undefined, 'gone'), 'gone', 'any')
  t.type(missing, StreamNotFoundError)
  t.equal((missing as StreamNotFoundError).streamId, 'gone')
  const other = new Error('unavailable')
  t.equal(translateError(other, 's', 'any'), other, 'anything else passes through')
})

t.test('expected versions: revision sent and check made', async (t) => {
  t.equal(expectedRevision(null), NO_STREAM)
  t.equal(expectedRevision(7), 7n)
  t.ok(satisfies('any', null) && satisfies('any', 3))
  t.ok(satisfies('no_stream', null) && !satisfies('no_stream', 0))
  t.ok(satisfies(2, 2) && !satisfies(2, 3) && !satisfies(0, null))
})

t.test('system events: $-prefixed types and streams', async (t) => {
  t.ok(isSystemEvent({ streamId: '$stats-127.0.0.1:2113', type: '$statsCollected' }))
  t.ok(isSystemEvent({ streamId: '$$certificate-1', type: '$metadata' }))
  t.ok(isSystemEvent({ streamId: 'certificate-1', type: '$>' }), 'a link')
  t.notOk(isSystemEvent({ streamId: 'certificate-1', type: 'CertificateIssued' }))
})

t.test('idempotency decision on the events found by id', async (t) => {
  const a = recorded({ streamPosition: 0 })
  const b = recorded({ streamPosition: 1 })
  const found = new Map([a, b].map((e) => [e.eventId, e]))
  const same = (e: RecordedEvent) => ({
    eventId: e.eventId,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: structuredClone(e.data),
    metadata: testMetadata({ correlationId: 'retry' }),
  })
  t.equal(idempotentResult(a.streamId, [anEvent()], found), null, 'none found: a new append')
  t.same(
    idempotentResult(a.streamId, [same(a), same(b)], found),
    {
      streamId: a.streamId,
      nextExpectedVersion: 1,
      positions: [a, b].map((e) => ({ eventId: e.eventId, streamPosition: e.streamPosition, globalPosition: e.globalPosition })),
      alreadyAppended: true,
    },
    'all found with the same content (metadata aside): the first result',
  )
  t.throws(() => idempotentResult(a.streamId, [{ ...same(a), data: { other: 1 } }], found), DuplicateEventIdError, 'other data')
  t.throws(() => idempotentResult(a.streamId, [{ ...same(a), type: 'Other' }], found), DuplicateEventIdError, 'other type')
  t.throws(() => idempotentResult('another-stream', [same(a)], found), DuplicateEventIdError, 'other stream')
  t.throws(() => idempotentResult(a.streamId, [same(a), anEvent()], found), DuplicateEventIdError, 'found beside new ones')
})

t.test('an append the server deduplicated (same ids, other writer) is not taken for ours', async (t) => {
  const fake = new FakeEventStoreDb()
  const store = new EventStoreDbEventStore(fake.client())
  const batch = [anEvent(), anEvent()]
  // The other writer lands between our read of the stream and our write: the server then answers success for
  // our write (same ids at the expected revision) and writes nothing.
  let raced = false
  fake.beforeAppend = async (s) => {
    if (raced) return
    raced = true
    await store.append(s, batch, { expectedVersion: 'no_stream' })
  }
  const result = await store.append('s-1', batch, { expectedVersion: 'no_stream' })
  t.equal(result.alreadyAppended, true)
  t.equal(fake.streams.get('s-1')!.length, 2, 'written once')
  raced = false
  const other = [{ ...batch[0]!, data: { changed: true } }, batch[1]!]
  // Again, but our write carries other content under the ids the other writer used: refused, not success.
  await t.rejects(store.append('s-2', other, { expectedVersion: 'no_stream' }), DuplicateEventIdError, 'other content under the same ids is refused')
  t.same(
    fake.streams.get('s-2')!.map((e) => e.data),
    batch.map((e) => e.data),
    "the other writer's events stand",
  )
})

t.test('without positions on stream reads (older servers), an append finds its positions in $all', async (t) => {
  const fake = new FakeEventStoreDb()
  fake.streamReadPositions = false
  const store = new EventStoreDbEventStore(fake.client(), { pageSize: 2 })
  const result = await store.append('s', [anEvent(), anEvent(), anEvent()], { expectedVersion: 'no_stream' })
  fake.systemEvent()
  await store.append('t', [anEvent()], { expectedVersion: 'no_stream' })
  const all = (await store.readAll()).events
  t.same(
    result.positions.map((p) => p.globalPosition),
    all.filter((e) => e.streamId === 's').map((e) => e.globalPosition),
  )
  t.ok(result.positions.every((p) => p.globalPosition > 0n))
})

t.test('a fixed expected version refused by the server after our read is the port error, not a retry', async (t) => {
  const fake = new FakeEventStoreDb()
  const store = new EventStoreDbEventStore(fake.client())
  await store.append('s', [anEvent()], { expectedVersion: 'no_stream' })
  let once = false
  fake.beforeAppend = async (s) => {
    if (once) return
    once = true
    await store.append(s, [anEvent()], { expectedVersion: 'any' })
  }
  const error = await store.append('s', [anEvent()], { expectedVersion: 0 }).catch((e: unknown) => e)
  t.type(error, WrongExpectedVersionError)
  t.match(error, { expected: 0, actual: 1 })
  once = false
  const any = await store.append('s', [anEvent()], { expectedVersion: 'any' })
  t.equal(any.nextExpectedVersion, 3, "'any' decides again and lands after the other writer")
  const read = await store.readStream('s')
  t.equal(read[3]!.prevHash, read[2]!.hash, 'and the chain follows the event actually before it')
})

t.test('readAll leaves out system events and pages on through them', async (t) => {
  const fake = new FakeEventStoreDb()
  const store = new EventStoreDbEventStore(fake.client(), { pageSize: 3 })
  for (let i = 0; i < 7; i++) fake.systemEvent(`$stats-${i}`, '$statsCollected')
  await store.append('s', [anEvent(), anEvent()], { expectedVersion: 'no_stream' })
  for (let i = 0; i < 5; i++) fake.systemEvent()
  const page = await store.readAll({ limit: 10 })
  t.same(
    page.events.map((e) => e.streamPosition),
    [0, 1],
    'the two ledger events, none of the twelve system ones',
  )
  t.equal(page.caughtUp, true)
  const first = await store.readAll({ limit: 1 })
  t.equal(first.caughtUp, false)
  const rest = await store.readAll({ after: first.position, limit: 5 })
  t.same(
    rest.events.map((e) => e.streamPosition),
    [1],
    'strictly after the position',
  )
})

function event(commit: bigint, prepare: bigint): RecordedEvent {
  return { ...recorded(), eventId: `${commit}-${prepare}`, transactionId: commit, globalPosition: prepare }
}

t.test('subscription batching: in order, at most batchSize, nothing at or before the start, handler awaited', async (t) => {
  const pushed = [event(1n, 1n), event(2n, 2n), event(2n, 3n), event(2n, 3n), event(4n, 4n), event(5n, 5n), event(6n, 6n)]
  let closed = false
  const batches: string[][] = []
  const positions: string[] = []
  let running = 0
  let overlapped = false
  const sub = batchSubscription(
    () => ({
      events: (async function* () {
        for (const e of pushed) yield e
        await new Promise((r) => setTimeout(r, 50))
        yield event(7n, 7n)
        await new Promise(() => {}) // then quiet, as a live subscription
      })(),
      close: async () => {
        closed = true
      },
    }),
    {
      from: { transactionId: 1n, globalPosition: 1n },
      batchSize: 2,
      idleMs: 10,
      onEvents: async (events, position) => {
        overlapped ||= running > 0
        running++
        await new Promise((r) => setTimeout(r, 5))
        batches.push(events.map((e) => e.eventId))
        positions.push(formatLogPosition(position))
        running--
      },
    },
  )
  const deadline = Date.now() + 5000
  while (batches.flat().length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  await sub.stop()
  t.same(batches.flat(), ['2-2', '2-3', '4-4', '5-5', '6-6', '7-7'], 'after the start, each once, in order')
  t.ok(
    batches.every((b) => b.length <= 2),
    'no batch above batchSize',
  )
  t.equal(positions.at(-1), '7/7', 'the position of the last event handed over')
  t.same(sub.position, { transactionId: 7n, globalPosition: 7n })
  t.notOk(overlapped, 'the next batch waits for the handler')
  t.ok(closed, 'the server subscription is closed on stop')
})

t.test('subscription: a failing handler stops it with that error', async (t) => {
  const sub = batchSubscription(
    () => ({
      events: (async function* () {
        yield event(1n, 1n)
        await new Promise(() => {})
      })(),
      close: async () => {},
    }),
    { idleMs: 5, onEvents: async () => Promise.reject(new Error('projection broke')) },
  )
  await t.rejects(sub.done, /projection broke/)
})

t.test('the adapter subscription over the stand-in: history then live, system events left out', async (t) => {
  const fake = new FakeEventStoreDb()
  const store = new EventStoreDbEventStore(fake.client())
  await store.append('a', [anEvent(), anEvent()], { expectedVersion: 'no_stream' })
  fake.systemEvent()
  const seen: string[] = []
  const sub = store.subscribeToAll({ idleMs: 10, onEvents: async (events) => void seen.push(...events.map((e) => `${e.streamId}/${e.streamPosition}`)) })
  await store.append('b', [anEvent()], { expectedVersion: 'no_stream' })
  fake.systemEvent()
  await store.append('a', [anEvent()], { expectedVersion: 1 })
  const deadline = Date.now() + 5000
  while (seen.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  await sub.stop()
  t.same(seen, ['a/0', 'a/1', 'b/0', 'a/2'])
  t.equal(GENESIS_HASH.length, 64)
})
