import { parseArgs } from 'node:util'
import { periodsNamePayer } from '../../../projections/organisations/read.ts'
import { ProjectionReader } from '../../../projections/read.ts'
import { unknownOrganisation } from '../../app/organisations.ts'
import { createToken, listTokens, ROLES, type Role, revokeToken, type TokenInfo } from '../../auth/tokens.ts'
import { isValidDate } from '../../domain/dates.ts'
import type { Runtime } from '../runtime.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

const USAGE = 'usage: ledger tokens create --role ROLE [--provider ID] [--payer ID] [--label TEXT] [--expires DATE] | list [--all] [--json] | revoke TOKEN_ID'

export async function tokensCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args
  if (action === 'create') return create(rest)
  if (action === 'list') return list(rest)
  if (action === 'revoke') return revoke(rest)
  throw new UsageError(USAGE)
}

function options<T extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], spec: T, positionals = 0) {
  try {
    const parsed = parseArgs({ args, options: spec, strict: true, allowPositionals: positionals > 0 })
    if (parsed.positionals.length !== positionals) throw new Error(USAGE)
    return parsed
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

async function create(args: string[]): Promise<void> {
  const { values } = options(args, {
    role: { type: 'string' },
    provider: { type: 'string' },
    payer: { type: 'string' },
    label: { type: 'string' },
    expires: { type: 'string' },
  })
  if (!values.role || !(ROLES as readonly string[]).includes(values.role)) {
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`)
  }
  if (values.expires !== undefined && (!isValidDate(values.expires) || values.expires > '2100-12-31'))
    throw new UsageError('--expires must be a date YYYY-MM-DD (the first day the token no longer works)')
  const runtime = await openRuntime()
  try {
    await requireKnownOrganisation(runtime, values.provider ? 'provider' : values.payer ? 'payer' : null, values.provider ?? values.payer ?? null)
    const { token } = await createToken(runtime.db.sql, {
      role: values.role as Role,
      providerId: values.provider ?? null,
      payerId: values.payer ?? null,
      label: values.label ?? null,
      expiresAt: values.expires ? new Date(`${values.expires}T00:00:00Z`) : null,
    }).catch((error: Error) => {
      throw error.name === 'TokenScopeError' ? new UsageError(error.message) : error
    })
    process.stdout.write(`${token}\n`)
  } finally {
    await runtime.close()
  }
}

async function list(args: string[]): Promise<void> {
  const { values } = options(args, { all: { type: 'boolean' }, json: { type: 'boolean' } })
  const runtime = await openRuntime()
  try {
    const tokens = await listTokens(runtime.db.sql, { all: values.all ?? false })
    process.stdout.write(values.json ? `${JSON.stringify(tokens, null, 2)}\n` : formatTokens(tokens))
  } finally {
    await runtime.close()
  }
}

async function revoke(args: string[]): Promise<void> {
  const { positionals } = options(args, {}, 1)
  const tokenId = positionals[0]!
  const runtime = await openRuntime()
  try {
    const revoked = await revokeToken(runtime.db.sql, tokenId)
    if (!revoked) throw new UsageError(`no token has the id ${tokenId}; \`ledger tokens list --all\` lists them`)
    process.stdout.write(`revoked ${revoked.tokenId} (${scopeOf(revoked)}) at ${revoked.revokedAt?.toISOString()}\n`)
  } finally {
    await runtime.close()
  }
}

const scopeOf = (t: TokenInfo) => (t.providerId ? `${t.role} ${t.providerId}` : t.payerId ? `${t.role} ${t.payerId}` : t.role)

function formatTokens(tokens: TokenInfo[]): string {
  if (tokens.length === 0) return 'no tokens\n'
  const rows = tokens.map((t) => [
    t.tokenId,
    scopeOf(t),
    t.state,
    t.createdAt.toISOString().slice(0, 10),
    t.expiresAt?.toISOString().slice(0, 10) ?? '—',
    t.label ?? '',
  ])
  const header = ['token id', 'role', 'state', 'created', 'expires', 'label']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return `${[header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`
}

/**
 * A token for a payer or a provider the ledger does not know is refused: a typo would otherwise make a token that
 * sees nothing. Known: registered (`payer-{id}`, `provider-{id}`), or, for a payer, named by a financing period (the
 * periods read model is brought up to date first: periods may name a payer before it is registered).
 */
async function requireKnownOrganisation(runtime: Runtime, kind: 'payer' | 'provider' | null, id: string | null) {
  if (kind === null || id === null) return
  const reader = new ProjectionReader(runtime.db.sql, runtime.store)
  const unknown = await unknownOrganisation(runtime.ledger, kind, id, (payerId) => periodsNamePayer(reader, payerId))
  if (unknown) throw new UsageError(unknown)
}
