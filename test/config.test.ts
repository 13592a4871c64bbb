import t from 'tap'
import { ConfigError, loadConfig } from '../src/config/config.ts'

t.test('defaults', async (t) => {
  const c = loadConfig({})
  t.equal(c.DATABASE_URL, undefined, 'no DATABASE_URL means the embedded database')
  t.equal(c.LEDGER_DATA_DIR, '.ledger-data')
  t.equal(c.HOST, '127.0.0.1')
  t.equal(c.PORT, 3000)
  t.equal(c.LOG_LEVEL, 'info')
  t.equal(c.DATABASE_CONNECT_TIMEOUT, 5, 'a server that does not accept a connection in 5 s counts as away')
})

t.test('values are parsed and checked', async (t) => {
  t.equal(loadConfig({ PORT: '8080' }).PORT, 8080)
  t.equal(loadConfig({ PORT: '' }).PORT, 3000, 'empty counts as unset')
  for (const [variable, value] of [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '1.5'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_CONNECT_TIMEOUT', '0'],
    ['DATABASE_CONNECT_TIMEOUT', 'soon'],
  ] as const) {
    const error = (() => {
      try {
        loadConfig({ [variable]: value })
      } catch (e) {
        return e
      }
    })()
    t.type(error, ConfigError, `${variable}=${value} is refused`)
    t.equal((error as ConfigError).variable, variable, 'the error names the variable')
    t.match((error as Error).message, new RegExp(`^invalid configuration: ${variable} `))
    t.notMatch((error as Error).message, /\n/, 'in one line')
  }
})
