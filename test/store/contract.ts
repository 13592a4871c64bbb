import crypto from 'node:crypto'
import type { Test } from 'tap'
import { findChainBreak } from '../../src/store/chain.ts'
import { GENESIS_HASH } from '../../src/store/hash.ts'
import {
  DuplicateEventIdError,
  type EventStore,
  type FoldEvent,
  type LogPosition,
  type RecordedEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../../src/store/port.ts'
import { anEvent, events } from '../helpers/events.ts'

// The contract every event store adapter must keep, whichever database holds the log. `open` gives a store on
// an empty log (or one no other test writes to), closed when the test ends; `now` fixes the clock of recordedAt.

export interface ContractOptions {
  /**
   * Whether an event id already used in another stream is refused. PostgreSQL has a unique index over every id;
   * EventStoreDB has no index of ids, so its adapter checks the target stream only (see README, "Scaling out").
   */
  idsUniqueAcrossStreams: boolean
}

export type OpenStore = (t: Test, options?: { now?: () => Date }) => Promise<EventStore>

export function storeContract(t: Test, open: OpenStore, options: ContractOptions): void {
  const stream = () => `test-${crypto.randomUUID()}`

  t.test('append and read back a stream', async (t) => {
    const store = await open(t)
    const s = stream()
    const batch = events(3)
    const result = await store.append(s, batch, { expectedVersion: 'no_stream' })
    t.equal(result.nextExpectedVersion, 2)
    t.same(
      result.positions.map((p) => p.streamPosition),
      [0, 1, 2],
    )
    t.equal(result.alreadyAppended, false)
    const read = await store.readStream(s)
    t.same(
      read.map((e) => [e.eventId, e.type, e.schemaVersion, e.data, e.metadata, e.streamPosition]),
      batch.map((e, i) => [e.eventId, e.type, e.schemaVersion, e.data, e.metadata, i]),
    )
    t.ok(read[0]!.globalPosition < read[1]!.globalPosition && read[1]!.globalPosition < read[2]!.globalPosition)
    t.equal(await store.streamVersion(s), 2)
    t.equal(await store.streamVersion(stream()), null)
    await t.rejects(store.readStream(stream()), StreamNotFoundError)
  })

  t.test('expected version: a number, no stream, or any', async (t) => {
    const store = await open(t)
    const s = stream()
    await store.append(s, events(2), { expectedVersion: 'no_stream' })
    await t.rejects(store.append(s, events(1), { expectedVersion: 'no_stream' }), WrongExpectedVersionError)
    const wrong = await store.append(s, events(1), { expectedVersion: 0 }).catch((e: unknown) => e)
    t.type(wrong, WrongExpectedVersionError)
    t.equal((wrong as WrongExpectedVersionError).actual, 1, 'the error tells the actual version')
    await t.rejects(store.append(stream(), events(1), { expectedVersion: 0 }), WrongExpectedVersionError)
    const ok = await store.append(s, events(1), { expectedVersion: 1 })
    t.equal(ok.nextExpectedVersion, 2)
    const any = await store.append(s, events(2), { expectedVersion: 'any' })
    t.equal(any.nextExpectedVersion, 4)
    const fresh = await store.append(stream(), events(1), { expectedVersion: 'any' })
    t.equal(fresh.nextExpectedVersion, 0)
    t.equal((await store.readStream(s)).length, 5, 'refused appends wrote nothing')
  })

  t.test('concurrent appenders with the same expected version: exactly one wins, nothing half-written', async (t) => {
    const store = await open(t)
    const s = stream()
    await store.append(s, events(1), { expectedVersion: 'no_stream' })
    const contenders = 20
    const outcomes = await Promise.allSettled(Array.from({ length: contenders }, (_, i) => store.append(s, events(3, { writer: i }), { expectedVersion: 0 })))
    const won = outcomes.filter((o) => o.status === 'fulfilled')
    const lost = outcomes.filter((o) => o.status === 'rejected')
    t.equal(won.length, 1, 'one appender wins')
    t.equal(lost.length, contenders - 1)
    t.ok(
      lost.every((o) => (o as PromiseRejectedResult).reason instanceof WrongExpectedVersionError),
      'the others get wrong expected version',
    )
    const read = await store.readStream(s)
    t.equal(read.length, 4, 'the winner wrote its three events and no loser wrote any')
    t.equal(new Set(read.slice(1).map((e) => (e.data as { writer: number }).writer)).size, 1, 'all three from one writer')
    t.equal(findChainBreak(read), null)
  })

  t.test('concurrent appenders with expected version any: all succeed on contiguous positions', async (t) => {
    const store = await open(t)
    const s = stream()
    await Promise.all(Array.from({ length: 15 }, (_, i) => store.append(s, events(2, { writer: i }), { expectedVersion: 'any' })))
    const read = await store.readStream(s)
    t.same(
      read.map((e) => e.streamPosition),
      Array.from({ length: 30 }, (_, i) => i),
    )
    t.equal(findChainBreak(read), null, 'the chain holds through the races')
    const byWriter = new Map<number, number[]>()
    for (const e of read) {
      const w = (e.data as { writer: number }).writer
      byWriter.set(w, [...(byWriter.get(w) ?? []), e.streamPosition])
    }
    t.ok(
      [...byWriter.values()].every(([a, b]) => b === a! + 1),
      "each writer's two events stay together",
    )
  })

  t.test('idempotent re-append: same ids and content return the first positions and write nothing', async (t) => {
    const store = await open(t)
    const s = stream()
    const batch = events(2)
    const first = await store.append(s, batch, { expectedVersion: 'no_stream' })
    await store.append(s, events(1), { expectedVersion: 1 })
    // A retry after a lost response: the expected version is stale by now, and the content is identical.
    const again = await store.append(s, batch, { expectedVersion: 'no_stream' })
    t.equal(again.alreadyAppended, true)
    t.same(again.positions, first.positions)
    t.equal(again.nextExpectedVersion, first.nextExpectedVersion)
    t.equal((await store.readStream(s)).length, 3, 'nothing written twice')

    const retriedMetadata = batch.map((e) => ({ ...e, metadata: { ...e.metadata, correlationId: 'another-request' } }))
    t.equal((await store.append(s, retriedMetadata, { expectedVersion: 'any' })).alreadyAppended, true, 'metadata is not content')

    const changed = [{ ...batch[0]!, data: { different: true } }]
    await t.rejects(store.append(s, changed, { expectedVersion: 'any' }), DuplicateEventIdError, 'same id, other data')
    if (options.idsUniqueAcrossStreams) {
      await t.rejects(store.append(stream(), [batch[0]!], { expectedVersion: 'any' }), DuplicateEventIdError, 'same id, other stream')
    }
    await t.rejects(store.append(s, [batch[0]!, anEvent()], { expectedVersion: 'any' }), DuplicateEventIdError, 'an existing id beside new ones')
    const twice = anEvent()
    await t.rejects(store.append(s, [twice, twice], { expectedVersion: 'any' }), DuplicateEventIdError, 'one id twice in a batch')
    t.equal((await store.readStream(s)).length, 3, 'refusals wrote nothing')
  })

  t.test('the same append racing with itself is written once', async (t) => {
    const store = await open(t)
    const s = stream()
    const batch = events(2)
    const results = await Promise.all(Array.from({ length: 10 }, () => store.append(s, batch, { expectedVersion: 'no_stream' })))
    t.equal(results.filter((r) => !r.alreadyAppended).length, 1, 'one writer wrote')
    t.ok(
      results.every((r) => r.positions[1]!.globalPosition === results[0]!.positions[1]!.globalPosition),
      'all got the same positions',
    )
    t.equal((await store.readStream(s)).length, 2)
  })

  t.test('reading a stream and the global log in batches', async (t) => {
    const store = await open(t)
    const a = stream()
    const b = stream()
    for (let i = 0; i < 10; i++) {
      await store.append(a, events(3, { round: i }), { expectedVersion: 'any' })
      await store.append(b, events(2, { round: i }), { expectedVersion: 'any' })
    }
    const whole = await store.readStream(a)
    t.equal(whole.length, 30)
    t.same(
      (await store.readStream(a, { from: 10, to: 14 })).map((e) => e.streamPosition),
      [10, 11, 12, 13, 14],
    )
    t.same(
      (await store.readStream(a, { from: 28, limit: 5 })).map((e) => e.streamPosition),
      [28, 29],
    )
    t.same(await store.readStream(a, { from: 30 }), [], 'past the end of an existing stream is empty, not an error')

    // What a fold reads: the same events as readStream from the same position on, many streams at once.
    const [foldA, foldB, foldTail, foldEnd] = await Promise.all([
      store.readStreamToFold(a, 0),
      store.readStreamToFold(b, 0),
      store.readStreamToFold(a, 27),
      store.readStreamToFold(a, 30),
    ])
    const folded = (e: FoldEvent) => [e.eventId, e.type, e.schemaVersion, e.data, e.streamPosition, e.globalPosition, e.recordedAt.toISOString()]
    t.same(foldA.map(folded), whole.map(folded), 'a fold reads every event of the stream, with its data and positions')
    t.same(foldB.map(folded), (await store.readStream(b)).map(folded))
    t.same(
      foldTail.map((e) => e.streamPosition),
      [27, 28, 29],
    )
    t.same(foldEnd, [], 'a fold that is up to date reads nothing')
    await t.rejects(store.readStreamToFold(stream(), 0), StreamNotFoundError)
    await t.rejects(store.readStreamToFold(stream(), 5), StreamNotFoundError, 'a missing stream is missing from any position')

    // The global reader stops below the oldest transaction running anywhere on the server (another test's database
    // too): wait until all 50 are readable, so the pages below are of the whole log.
    for (let waited = 0; (await store.readAll({ limit: 1000 })).events.length < 50 && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50))
    const all: RecordedEvent[] = []
    let after: LogPosition | undefined
    let batches = 0
    for (;;) {
      const page = await store.readAll({ after, limit: 7 })
      all.push(...page.events)
      after = page.position
      batches++
      if (page.caughtUp) break
    }
    t.equal(all.length, 50, 'every event once')
    t.equal(new Set(all.map((e) => e.eventId)).size, 50)
    t.equal(batches, 8, '50 events in pages of 7')
    const whole2 = await store.readAll({ limit: 1000 })
    t.same(
      all.map((e) => e.eventId),
      whole2.events.map((e) => e.eventId),
      'batches concatenate to the whole log',
    )
    t.same(
      all.filter((e) => e.streamId === a).map((e) => e.eventId),
      whole.map((e) => e.eventId),
      'stream order kept',
    )
  })

  t.test('catch-up subscription delivers history then new events, each once, while writers race', async (t) => {
    const store = await open(t)
    await store.append(stream(), events(5), { expectedVersion: 'no_stream' })
    const seen: string[] = []
    const sub = store.subscribeToAll({
      batchSize: 16,
      idleMs: 10,
      onEvents: async (batch) => {
        seen.push(...batch.map((e) => e.eventId))
      },
    })
    const written: string[] = []
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const s = stream()
        for (let i = 0; i < 25; i++) {
          const e = anEvent({ i })
          await store.append(s, [e], { expectedVersion: 'any' })
          written.push(e.eventId)
        }
      }),
    )
    const deadline = Date.now() + 30_000
    while (seen.length < 205 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await sub.stop()
    t.equal(seen.length, 205, 'history and live events, no more')
    t.equal(new Set(seen).size, 205, 'none twice')
    t.ok(
      written.every((id) => seen.includes(id)),
      'none missed',
    )
  })

  t.test('hash chain: documented encoding, and each event points at the hash before it', async (t) => {
    const store = await open(t, { now: () => new Date('2024-10-15T09:30:00.123Z') })
    const s = stream()
    await store.append(s, events(3), { expectedVersion: 'no_stream' })
    await store.append(s, events(2), { expectedVersion: 2 })
    const read = await store.readStream(s)
    const e = read[0]!
    const sortKeys = (v: unknown): unknown =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, sortKeys(x)]),
          )
        : v
    const encoded = JSON.stringify(
      sortKeys({
        data: e.data,
        eventId: e.eventId,
        metadata: e.metadata,
        prevHash: '0'.repeat(64),
        recordedAt: '2024-10-15T09:30:00.123Z',
        schemaVersion: 1,
        streamId: s,
        streamPosition: 0,
        type: 'TestHappened',
      }),
    )
    t.equal(e.prevHash, GENESIS_HASH)
    t.equal(e.recordedAt.toISOString(), '2024-10-15T09:30:00.123Z', 'recordedAt is the ledger clock')
    t.equal(e.hash, crypto.createHash('sha256').update(encoded).digest('hex'), 'hash follows the documented encoding')
    t.ok(
      read.slice(1).every((x, i) => x.prevHash === read[i]!.hash),
      'each event points at the hash before it',
    )
    t.equal(findChainBreak(read), null, 'the stored chain recomputes')
    const global: RecordedEvent[] = []
    const end = store.committedEnd ? { end: await store.committedEnd() } : {}
    for (let after = undefined; ; ) {
      const page = await store.readAll({ after, limit: 100, ...end })
      global.push(...page.events.filter((x) => x.streamId === s))
      after = page.position
      if (page.caughtUp) break
    }
    t.same(
      global.map((x) => [x.eventId, x.hash, x.prevHash, x.recordedAt.toISOString()]),
      read.map((x) => [x.eventId, x.hash, x.prevHash, x.recordedAt.toISOString()]),
      'the global log carries the same chain',
    )
  })

  t.test('positions: positionOf and countAfter agree with the global log', async (t) => {
    const store = await open(t)
    const s = stream()
    const first = await store.append(s, events(3), { expectedVersion: 'no_stream' })
    // To the end committed now, so that another test's transaction on the server hides none of them.
    const page = await store.readAll({ limit: 1000, ...(store.committedEnd ? { end: await store.committedEnd() } : {}) })
    const mine = page.events.filter((e) => e.streamId === s)
    t.same(
      mine.map((e) => e.globalPosition),
      first.positions.map((p) => p.globalPosition),
      'an append answers with the positions the log shows',
    )
    for (const e of mine) t.same(await store.positionOf(e.globalPosition), { transactionId: e.transactionId, globalPosition: e.globalPosition })
    t.equal(await store.positionOf(10n ** 15n), null, 'no event there')
    const second = mine[1]!
    const at = { transactionId: second.transactionId, globalPosition: second.globalPosition }
    const after = page.events.filter(
      (e) => e.transactionId > at.transactionId || (e.transactionId === at.transactionId && e.globalPosition > at.globalPosition),
    )
    t.equal(await store.countAfter(at), after.length)
    t.equal(await store.countAfter(at, { max: 1 }), 1)
    t.equal(await store.countAfter(page.position), 0, 'nothing after the end')
  })

  t.test('readTouching: events naming a certificate or a contract, up to a bound', async (t) => {
    const store = await open(t)
    const n = `cert-${crypto.randomUUID()}`
    const c = `contract-${crypto.randomUUID()}`
    const a = await store.append(stream(), [anEvent({ certificateNumber: n }), anEvent({ certificateNumber: 'other' })], { expectedVersion: 'no_stream' })
    const b = await store.append(stream(), [anEvent({ certificateNumber: n, contractId: c })], { expectedVersion: 'no_stream' })
    await store.append(stream(), [anEvent({ certificateNumber: n })], { expectedVersion: 'no_stream' })
    const all = await store.readTouching({ certificateNumber: n })
    t.equal(all.length, 3)
    t.same(
      (await store.readTouching({ contractId: c })).map((e) => e.eventId),
      [b.positions[0]!.eventId],
    )
    const upTo = await store.readTouching({ certificateNumber: n }, { position: b.positions[0]!.globalPosition })
    t.same(
      upTo.map((e) => e.eventId),
      [a.positions[0]!.eventId, b.positions[0]!.eventId],
      'up to and including the bound',
    )
    t.same(await store.readTouching({ certificateNumber: n }, { recordedBefore: new Date(0) }), [], 'recorded before')
  })
}
