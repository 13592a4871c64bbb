import net from 'node:net'

// Just enough of the PostgreSQL wire protocol (v3) to put the driver into states a real server reaches only by
// chance: a connection that closes in the middle of a transaction, at a chosen message. Trust authentication;
// every statement succeeds with an empty result and the transaction state it implies (BEGIN, COMMIT, ROLLBACK).

const message = (type: string, body: Buffer = Buffer.alloc(0)) => {
  const b = Buffer.alloc(5 + body.length)
  b.write(type, 0, 'latin1')
  b.writeInt32BE(4 + body.length, 1)
  body.copy(b, 5)
  return b
}
const int32 = (...ns: number[]) => Buffer.concat(ns.map((n) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])))
const cstring = (s: string) => Buffer.from(`${s}\0`)

const wire = {
  startup: () => Buffer.concat([message('R', int32(0)), message('K', int32(4242, 2424)), message('Z', Buffer.from('I'))]),
  ready: (state: 'I' | 'T' = 'I') => message('Z', Buffer.from(state)),
  complete: (tag: string) => message('C', cstring(tag)),
}

/** What a connection does with a client message: answer it, close the socket, or never answer (a hung server). */
export type Reaction = 'answer' | 'close' | 'ignore'

export interface FakePostgres {
  port: number
  /** Connections accepted so far. */
  connections: number
  close(): Promise<void>
}

/**
 * A server that asks `react(connection, type)` for every client message (`type` is the protocol's letter: Q, P,
 * B, D, E, S, X…), with connections numbered from 1.
 */
export async function fakePostgres(react: (connection: number, type: string) => Reaction): Promise<FakePostgres> {
  const sockets = new Set<net.Socket>()
  const state = { connections: 0 }
  const server = net.createServer((socket) => {
    const connection = ++state.connections
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffer = Buffer.alloc(0)
    let started = false
    let inTransaction = false
    let parsed = ''
    const track = (text: string) => {
      if (text.startsWith('begin')) inTransaction = true
      else if (text === 'commit' || text === 'rollback') inTransaction = false
    }
    socket.on('data', (data) => {
      buffer = Buffer.concat([buffer, data])
      for (;;) {
        if (!started) {
          if (buffer.length < 4 || buffer.length < buffer.readInt32BE(0)) return
          buffer = buffer.subarray(buffer.readInt32BE(0))
          started = true
          socket.write(wire.startup())
          continue
        }
        if (buffer.length < 5 || buffer.length < buffer.readInt32BE(1) + 1) return
        const type = String.fromCharCode(buffer[0]!)
        const body = buffer.subarray(5, buffer.readInt32BE(1) + 1)
        buffer = buffer.subarray(buffer.readInt32BE(1) + 1)
        const reaction = react(connection, type)
        if (reaction === 'close') {
          socket.end()
          return
        }
        if (reaction === 'ignore') continue
        if (type === 'Q') {
          const text = body.toString('utf8').replace(/\0$/, '').trim().toLowerCase()
          track(text)
          socket.write(Buffer.concat([wire.complete(text.split(' ')[0]!.toUpperCase()), wire.ready(inTransaction ? 'T' : 'I')]))
        } else if (type === 'P') {
          // Parse: statement name, then the query text (each NUL-terminated).
          const [, text = ''] = body.toString('utf8').split('\0')
          parsed = text.trim().toLowerCase()
          socket.write(message('1'))
        } else if (type === 'D') socket.write(Buffer.concat([message('t', Buffer.from([0, 0])), message('n')]))
        else if (type === 'B') socket.write(message('2'))
        else if (type === 'E') {
          track(parsed)
          socket.write(wire.complete(parsed.startsWith('select') ? 'SELECT 0' : parsed.split(' ')[0]!.toUpperCase()))
        } else if (type === 'S') socket.write(wire.ready(inTransaction ? 'T' : 'I'))
        else if (type === 'X') socket.end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return state.connections
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
