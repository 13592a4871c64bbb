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
  t.equal(c.RATE_LIMIT_AUTH_FAILURES, 20)
  t.equal(c.RATE_LIMIT_PER_TOKEN, 6000)
  t.equal(c.BODY_LIMIT, 16384)
  t.equal(c.PUBLIC_DOCS, false, 'the documentation needs a token unless configured public')
  t.equal(c.TRUST_PROXY, false, 'X-Forwarded-For is not believed unless configured')
})

t.test('limits and exposure', async (t) => {
  t.equal(loadConfig({ PUBLIC_DOCS: 'true' }).PUBLIC_DOCS, true)
  t.equal(loadConfig({ RATE_LIMIT_PER_TOKEN: '0' }).RATE_LIMIT_PER_TOKEN, 0, '0 turns a limit off')
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY, true)
  t.equal(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY, 1, 'the nearest proxy')
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16' }).TRUST_PROXY, ['10.0.0.1', '10.1.0.0/16'])
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
    ['RATE_LIMIT_AUTH_FAILURES', '-1'],
    ['RATE_LIMIT_PER_TOKEN', 'many'],
    ['BODY_LIMIT', '100'],
    ['PUBLIC_DOCS', 'yes'],
    ['TRUST_PROXY', 'the load balancer'],
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
