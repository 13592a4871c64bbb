// The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly), so that
// its work runs beside the ledger's JavaScript instead of taking turns with it on one core. Plain JavaScript: a
// worker thread does not inherit the TypeScript loader of the main one.
import fs from 'node:fs'
import path from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'

const { dataDir, template } = workerData
const pglite = await openPglite()
parentPort.on('message', async (message) => {
  if (message?.connect) return accept(message.connect)
  if (message !== 'stop') return
  stopping = true
  for (const port of ports) port.close()
  ports.clear()
  await work
  await pglite.close()
  parentPort.postMessage({ stopped: true })
  parentPort.close()
})
parentPort.postMessage({ ready: true })

/*
 * The wire protocol between postgres.js and PGlite, over one MessagePort per connection. Every complete message a
 * connection has sent is handed to PGlite in one call and its whole answer sent back at once: a query is three to
 * five messages, and one call each (as pglite-socket makes them) cost more than PGlite's own work. PGlite runs one
 * thing at a time, so every connection's work goes through one queue; while a connection's transaction is open only
 * its own messages run, and a connection that goes away in a transaction is rolled back.
 */
const SSL_REQUEST = 80877103
const CANCEL_REQUEST = 80877102
const ports = new Set()
/** Complete messages waiting to run, in arrival order. */
const waiting = []
/** The connection that ran last: its transaction, if one is open, is the one PGlite is in. */
let owner = null
let work = Promise.resolve()
/** Set once the database is closing: nothing more runs on it. */
let stopping = false

function accept(port) {
  ports.add(port)
  let buffered = Buffer.alloc(0)
  let started = false
  const closed = () => {
    if (!ports.delete(port)) return
    port.close()
    enqueue({ port, closed: true })
  }
  port.on('close', closed)
  port.on('message', (bytes) => {
    if (bytes === null) return closed()
    const chunk = Buffer.from(bytes)
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    let end = 0
    for (;;) {
      if (!started) {
        // The first packet has no type byte: an SSL request (answered "no"), a cancel request (not supported), or
        // the startup message, which PGlite answers itself.
        if (buffered.length - end < 8) break
        const length = buffered.readInt32BE(end)
        if (buffered.length - end < length) break
        const code = buffered.readInt32BE(end + 4)
        if (code === SSL_REQUEST || code === CANCEL_REQUEST) {
          buffered = buffered.subarray(end + length)
          end = 0
          if (code === SSL_REQUEST) send(port, Buffer.from('N'))
          else closed()
          continue
        }
        started = true
        end += length
        continue
      }
      if (buffered.length - end < 5) break
      const length = 1 + buffered.readInt32BE(end + 1)
      if (buffered.length - end < length) break
      end += length
    }
    if (end === 0) return
    enqueue({ port, bytes: new Uint8Array(buffered.subarray(0, end)) })
    buffered = buffered.subarray(end)
  })
}

/** Bytes to a connection, in a buffer of their own handed over without a copy. */
function send(port, bytes) {
  const copy = new Uint8Array(bytes.byteLength)
  copy.set(bytes)
  port.postMessage(copy.buffer, [copy.buffer])
}

function enqueue(job) {
  if (stopping) return
  waiting.push(job)
  work = work.then(pump)
}

async function pump() {
  while (waiting.length > 0) {
    // Inside a connection's transaction only that connection's messages (or its going away) may run.
    const i = pglite.isInTransaction() && owner !== null ? waiting.findIndex((j) => j.port === owner) : 0
    if (i === -1) return
    const [job] = waiting.splice(i, 1)
    if (job.closed) {
      if (owner === job.port) {
        if (pglite.isInTransaction()) await pglite.exec('ROLLBACK').catch(() => {})
        owner = null
      }
      continue
    }
    owner = job.port
    try {
      // The raw stream, not execProtocolRaw, which decodes every row of the answer for nothing.
      const chunks = []
      await pglite.execProtocolRawStream(job.bytes, { onRawData: (chunk) => chunks.push(Buffer.from(chunk)) })
      if (chunks.length > 0 && ports.has(job.port)) send(job.port, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
    } catch {
      if (ports.has(job.port)) {
        job.port.postMessage(null)
        ports.delete(job.port)
        job.port.close()
      }
    }
  }
}

/**
 * A new database starts from a copy of a freshly initialised one when there is one: PGlite's initdb costs 8–16 s on
 * two busy cores, unpacking its result about 2 s. The copy is made by the first new database and kept beside the
 * installed packages (keyed by PGlite's version); anything wrong with it means an ordinary initdb, never a failure.
 */
async function openPglite() {
  const fresh = dataDir.startsWith('memory://') || !fs.existsSync(path.join(dataDir, 'PG_VERSION'))
  if (!fresh || !template) return PGlite.create(dataDir)
  const copy = readTemplate(template)
  if (copy) {
    try {
      return await PGlite.create(dataDir, { loadDataDir: copy })
    } catch {
      // A damaged copy: forget it and initialise as if there were none.
      fs.rmSync(template, { force: true })
      if (!dataDir.startsWith('memory://')) fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }
  const created = await PGlite.create(dataDir)
  await keepTemplate(created, template)
  return created
}

function readTemplate(file) {
  try {
    return new Blob([fs.readFileSync(file)])
  } catch {
    return undefined
  }
}

async function keepTemplate(pglite, file) {
  try {
    const dump = await pglite.dumpDataDir('gzip')
    fs.mkdirSync(path.dirname(file), { recursive: true })
    // Written aside and renamed, so that a database starting at the same moment never reads half a file.
    const partial = `${file}.${process.pid}.${Date.now()}.partial`
    fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
    fs.renameSync(partial, file)
  } catch {
    // A read-only installation: every new database pays for its own initdb.
  }
}
