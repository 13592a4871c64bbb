// `npm run demo`: the ledger on its embedded default, with two tokens to try it with.
// (The simulated municipality year replaces this once the simulator exists.)
import { createToken } from '../src/auth/tokens.ts'
import { serveUntilSignal } from '../src/cli/commands/serve.ts'
import { openRuntime } from '../src/cli/runtime.ts'

const runtime = await openRuntime()
const operator = (await createToken(runtime.db.sql, { role: 'operator', label: 'demo' })).token
const auditor = (await createToken(runtime.db.sql, { role: 'auditor', label: 'demo' })).token
await serveUntilSignal(runtime, (url) => {
  process.stderr.write(
    [
      '',
      `PFDO ledger on the ${runtime.db.kind} database (${runtime.config.DATABASE_URL ? 'DATABASE_URL' : runtime.config.LEDGER_DATA_DIR}), at ${url}`,
      `  API reference:  ${url}/docs`,
      `  readiness:      curl ${url}/ready`,
      `  who am I:       curl -H 'Authorization: Bearer ${operator}' ${url}/v1/whoami`,
      `  audit a stream: curl -H 'Authorization: Bearer ${auditor}' ${url}/v1/streams/<streamId>/events`,
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  )
})
