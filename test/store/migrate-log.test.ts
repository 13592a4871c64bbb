import t from 'tap'
import { findChainBreak } from '../../src/store/chain.ts'
import { EventStoreDbEventStore } from '../../src/store/eventstoredb/eventstoredb-event-store.ts'
import { MemoryEventStore } from '../../src/store/memory/memory-event-store.ts'
import { MigrationError, migrateLog } from '../../src/store/migrate-log.ts'
import type { RecordedEvent } from '../../src/store/port.ts'
import { runCli } from '../helpers/cli.ts'
import { anEvent, events } from '../helpers/events.ts'
import { FakeEventStoreDb } from '../helpers/fake-esdb.ts'

// `ledger migrate-log`: the copy from one store to another, here from the in-memory store into the EventStoreDB
// adapter over its in-memory stand-in for the server (no real EventStoreDB here).

async function sourceLog(): Promise<MemoryEventStore> {
  const source = new MemoryEventStore()
  for (let round = 0; round < 4; round++) {
    await source.append('certificate-1', events(2, { round }), { expectedVersion: 'any' })
    await source.append(`contract-${round}`, events(3, { round }), { expectedVersion: 'no_stream' })
  }
  return source
}

const everything = async (store: { readAll: MemoryEventStore['readAll'] }): Promise<RecordedEvent[]> => (await store.readAll({ limit: 10_000 })).events
const essence = (e: RecordedEvent) => [
  e.streamId,
  e.streamPosition,
  e.eventId,
  e.type,
  e.schemaVersion,
  e.data,
  e.metadata,
  e.recordedAt.toISOString(),
  e.prevHash,
  e.hash,
]

t.test('copies every event with its id, place, recordedAt and hashes, in commit order; chains verify after', async (t) => {
  const source = await sourceLog()
  const fake = new FakeEventStoreDb()
  fake.systemEvent()
  const target = new EventStoreDbEventStore(fake.client(), { pageSize: 5 })
  const report = await migrateLog(source, target, { batchSize: 4 })
  t.match(report, { copied: 20, skipped: 0, streams: 5 })
  const copied = await everything(target)
  t.same(copied.map(essence), (await everything(source)).map(essence), 'the same events in the same order')
  for (const id of ['certificate-1', 'contract-0', 'contract-3']) t.equal(findChainBreak(await target.readStream(id)), null, `${id} verifies`)
})

t.test('run again, or after a stop part-way, it skips what is there and copies the rest', async (t) => {
  const source = await sourceLog()
  const fake = new FakeEventStoreDb()
  const target = new EventStoreDbEventStore(fake.client())
  // A first run that stopped after 7 events: a target that refuses writes from then on.
  let writes = 0
  const failing = {
    ...target,
    streamVersion: target.streamVersion.bind(target),
    readStream: target.readStream.bind(target),
    importRecorded: async (s: string, e: readonly RecordedEvent[], v: number | null) => {
      if (writes + e.length > 7) throw new Error('connection lost')
      writes += e.length
      await target.importRecorded(s, e, v)
    },
  }
  await t.rejects(migrateLog(source, failing, { batchSize: 2 }), /connection lost/)
  const resumed = await migrateLog(source, target)
  t.equal(resumed.skipped + resumed.copied, 20)
  t.ok(resumed.skipped > 0 && resumed.skipped <= 7, 'what the first run wrote is skipped')
  const again = await migrateLog(source, target)
  t.match(again, { copied: 0, skipped: 20 }, 'a third run writes nothing')
  t.same((await everything(target)).map((e) => e.eventId).sort(), (await everything(source)).map((e) => e.eventId).sort())
})

t.test('a target that disagrees with the source is named, and nothing is written over it', async (t) => {
  const source = await sourceLog()
  const fake = new FakeEventStoreDb()
  const target = new EventStoreDbEventStore(fake.client())
  await target.append('contract-2', [anEvent()], { expectedVersion: 'no_stream' })
  const error = await migrateLog(source, target).catch((e: unknown) => e)
  t.type(error, MigrationError)
  t.match((error as Error).message, /^stream contract-2 position 0: the target holds event [0-9a-f-]+ .*nothing copied over it$/)
  t.equal((await target.readStream('contract-2')).length, 1, 'the target stream is untouched')
})

t.test('ledger migrate-log: bad command lines and a missing target are one line and exit 2', async (t) => {
  const noTo = await runCli(['migrate-log'], { LEDGER_DATA_DIR: 'memory://' })
  t.equal(noTo.code, 2)
  t.match(noTo.stderr, /^ledger: migrate-log needs --to eventstoredb/)
  t.equal(noTo.stderr.trim().split('\n').length, 1)
  const noTarget = await runCli(['migrate-log', '--to', 'eventstoredb'], { LEDGER_DATA_DIR: 'memory://' })
  t.equal(noTarget.code, 2)
  t.match(noTarget.stderr, /^ledger: migrate-log --to eventstoredb needs EVENTSTORE_CONNECTION_STRING/)
  const badTarget = await runCli(['migrate-log', '--to', 'eventstoredb'], { LEDGER_DATA_DIR: 'memory://', EVENTSTORE_CONNECTION_STRING: 'http://x' })
  t.equal(badTarget.code, 2)
  t.match(badTarget.stderr, /^ledger: invalid configuration: EVENTSTORE_CONNECTION_STRING/)
})
