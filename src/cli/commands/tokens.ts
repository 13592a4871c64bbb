import { parseArgs } from 'node:util'
import { certificateBalances } from '../../../projections/certificate-balances/index.ts'
import { ProjectionRunner } from '../../../projections/runner.ts'
import { organisationKnown } from '../../app/organisations.ts'
import { createToken, ROLES, type Role } from '../../auth/tokens.ts'
import type { Runtime } from '../runtime.ts'
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
    await requireKnownOrganisation(runtime, values.provider ? 'provider' : values.payer ? 'payer' : null, values.provider ?? values.payer ?? null)
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

/**
 * A token for a payer or a provider the ledger does not know is refused: a typo would otherwise make a token that
 * sees nothing. Known: registered (`payer-{id}`, `provider-{id}`), or, for a payer, named by a financing period (the
 * periods read model is brought up to date first: periods may name a payer before it is registered).
 */
async function requireKnownOrganisation(runtime: Runtime, kind: 'payer' | 'provider' | null, id: string | null) {
  if (kind === null || id === null) return
  const periodsName = async (payerId: string) => {
    await new ProjectionRunner(runtime.db.sql, runtime.store, [certificateBalances]).catchUp()
    const rows = await runtime.db.sql`SELECT 1 FROM reporting.financing_periods WHERE payer_id = ${payerId} LIMIT 1`
    return rows.length > 0
  }
  if (!(await organisationKnown(runtime.ledger, kind, id, periodsName))) {
    throw new UsageError(
      kind === 'payer'
        ? `no payer ${id}: neither registered (POST /v1/payers, ledger import payers) nor named by a financing period`
        : `no provider ${id} in the registry (POST /v1/providers, ledger import providers)`,
    )
  }
}
