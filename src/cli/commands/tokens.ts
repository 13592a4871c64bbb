import { parseArgs } from 'node:util'
import { createToken, ROLES, type Role } from '../../auth/tokens.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

export async function tokensCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args
  if (action !== 'create') throw new UsageError('usage: ledger tokens create --role ROLE [--provider ID] [--payer ID]')
  let values: { role?: string; provider?: string; payer?: string; label?: string }
  try {
    values = parseArgs({
      args: rest,
      options: {
        role: { type: 'string' },
        provider: { type: 'string' },
        payer: { type: 'string' },
        label: { type: 'string' },
      },
      strict: true,
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (!values.role || !(ROLES as readonly string[]).includes(values.role)) {
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`)
  }
  const runtime = await openRuntime()
  try {
    const { token } = await createToken(runtime.db.sql, {
      role: values.role as Role,
      providerId: values.provider ?? null,
      payerId: values.payer ?? null,
      label: values.label ?? null,
    }).catch((error: Error) => {
      throw error.name === 'TokenScopeError' ? new UsageError(error.message) : error
    })
    process.stdout.write(`${token}\n`)
  } finally {
    await runtime.close()
  }
}
