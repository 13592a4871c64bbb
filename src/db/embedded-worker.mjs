// The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly) behind pglite-socket, so that
// its work runs beside the ledger's JavaScript instead of taking turns with it on one core. Plain JavaScript: a
// worker thread does not inherit the TypeScript loader of the main one.
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

const pglite = await PGlite.create(workerData.dataDir)
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
