import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client'
import t from 'tap'
import { EventStoreDbEventStore } from '../../src/store/eventstoredb/eventstoredb-event-store.ts'
import { toLogPosition } from '../../src/store/eventstoredb/mapping.ts'
import { type EventStore, LOG_START, type LogPosition, type ReadAllOptions, type SubscriptionOptions } from '../../src/store/port.ts'
import { FakeEventStoreDb } from '../helpers/fake-esdb.ts'
import { storeContract } from './contract.ts'

// The store contract against the EventStoreDB adapter: always over an in-memory stand-in for the server (the
// adapter's own logic: idempotency, retries, chain, positions, paging, filtering of system events), and against a
// real EventStoreDB/KurrentDB only when EVENTSTORE_CONNECTION_STRING names one.

t.test('EventStoreDB adapter over an in-memory stand-in for the server (not a real server)', async (t) => {
  storeContract(
    t,
    async (_t, options) => {
      const fake = new FakeEventStoreDb()
      fake.systemEvent() // the log of a real server never starts empty: its own events must be left out
      return new EventStoreDbEventStore(fake.client(), { ...options, pageSize: 7 })
    },
    { idsUniqueAcrossStreams: false },
  )
})

/**
 * A view of a shared server's log that starts where the log ended when the test began: the contract's
 * whole-log assertions then see only what the test wrote, as on a fresh PostgreSQL database.
 */
function fromNow(store: EventStore, start: LogPosition): EventStore {
  return {
    append: (s, e, o) => store.append(s, e, o),
    readStream: (s, o) => store.readStream(s, o),
    readStreamToFold: (s, from) => store.readStreamToFold(s, from),
    streamVersion: (s) => store.streamVersion(s),
    readAll: (o: ReadAllOptions = {}) => store.readAll({ ...o, after: o.after ?? start }),
    readTouching: (s, b) => store.readTouching(s, b),
    subscribeToAll: (o: SubscriptionOptions) => store.subscribeToAll({ ...o, from: o.from ?? start }),
    positionOf: (p) => store.positionOf(p),
    countAfter: (p, o) => store.countAfter(p, o),
  }
}

const connection = process.env.EVENTSTORE_CONNECTION_STRING
if (connection) {
  t.test(`EventStoreDB contract against the server at ${connection.replace(/\/\/[^@/]*@/, '//***@')}`, async (t) => {
    storeContract(
      t,
      async (t, options) => {
        const client = EventStoreDBClient.connectionString(connection)
        t.teardown(() => client.dispose())
        let start = LOG_START
        for await (const r of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) if (r.event) start = toLogPosition(r.event.position)
        return fromNow(new EventStoreDbEventStore(client, options), start)
      },
      { idsUniqueAcrossStreams: false },
    )
  })
} else {
  t.comment('EventStoreDB contract suite NOT run against a real server: EVENTSTORE_CONNECTION_STRING is unset')
  t.test('EventStoreDB contract against a real server', { skip: 'not run: EVENTSTORE_CONNECTION_STRING is unset (no EventStoreDB server)' }, async () => {})
}
