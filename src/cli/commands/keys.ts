import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { loadConfig } from '../../config/config.ts'
import { createSigningKeyFile, originOf, signingKeyOf } from '../../transparency/keys.ts'
import { UsageError } from '../usage.ts'

const USAGE = `usage: ledger keys create --out FILE [--name NAME]
                   a new Ed25519 key to sign the transparency log's checkpoints (set LEDGER_SIGNING_KEY_FILE to FILE);
                   prints the public verifier key (name+hash+base64) to give to auditors
       ledger keys public
                   the verifier key of the configured signing key`

/** `ledger keys create|public`: the transparency log's signing key. */
export async function keysCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args
  if (action === '--help' || action === '-h' || action === undefined) {
    process.stdout.write(`${USAGE}\n`)
    if (action === undefined) throw new UsageError('keys: name an action, create or public')
    return
  }
  let values: { out?: string; name?: string; help?: boolean }
  try {
    values = parseArgs({
      args: rest,
      options: { out: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const config = loadConfig()
  if (action === 'public') {
    process.stdout.write(`${signingKeyOf(config).key.verifier.text}\n`)
    return
  }
  if (action !== 'create') throw new UsageError(`keys: unknown action ${JSON.stringify(action)}; use create or public`)
  if (!values.out) throw new UsageError('keys create needs --out FILE')
  if (fs.existsSync(values.out)) throw new UsageError(`${values.out} exists; a signing key is never overwritten`)
  let key: ReturnType<typeof createSigningKeyFile>
  try {
    key = createSigningKeyFile(values.out, values.name ?? originOf(config))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  process.stdout.write(`${key.verifier.text}\n`)
  process.stderr.write(`wrote ${values.out} (keep it secret); set LEDGER_SIGNING_KEY_FILE=${values.out}; the line above is the public key for auditors\n`)
}
