import { Duplex } from 'node:stream'
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads'

/**
 * A postgres.js connection to the embedded database's thread over a MessagePort instead of a TCP socket: the wire
 * protocol's bytes travel as transferred buffers, never through the kernel. Over loopback TCP the demo's year spent
 * some 8 s of its two threads' time in socket writes (250 MB of answers, 130 MB of queries).
 */
export class WorkerConnection extends Duplex {
  /** What postgres.js looks at before it sends its goodbye. */
  readyState: 'open' | 'closed' = 'open'
  private readonly port: MessagePort

  constructor(worker: Worker) {
    super()
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    port1.on('message', (bytes: ArrayBuffer | null) => {
      if (bytes === null) this.destroy()
      else this.push(Buffer.from(bytes))
    })
    worker.postMessage({ connect: port2 }, [port2])
  }

  override _read() {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void) {
    // A copy of its own, so that it can be handed over: postgres.js's buffers may share memory with others.
    const bytes = new Uint8Array(chunk.byteLength)
    bytes.set(chunk)
    this.port.postMessage(bytes.buffer, [bytes.buffer])
    callback()
  }

  override _final(callback: (error?: Error | null) => void) {
    this.destroy()
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    this.readyState = 'closed'
    this.port.postMessage(null)
    this.port.close()
    callback(error)
  }
}
