// The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly) behind pglite-socket, so that
// its work runs beside the ledger's JavaScript instead of taking turns with it on one core. Plain JavaScript: a
// worker thread does not inherit the TypeScript loader of the main one.
import fs from 'node:fs'
import path from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

const { dataDir, template } = workerData
const pglite = await openPglite()
const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0 })
await server.start()
parentPort.on('message', async (message) => {
  if (message !== 'stop') return
  await server.stop()
  await pglite.close()
  parentPort.postMessage({ stopped: true })
  parentPort.close()
})
parentPort.postMessage({ listening: server.getServerConn() })

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
