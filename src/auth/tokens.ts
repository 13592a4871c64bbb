import crypto from 'node:crypto'
import type { Sql } from '../db/database.ts'

export const ROLES = ['operator', 'payer', 'provider', 'auditor', 'reporting'] as const
export type Role = (typeof ROLES)[number]

/** Who is calling: what a valid bearer token stands for. */
export interface Caller {
  tokenId: string
  role: Role
  /** Set for provider tokens: the only provider whose data the caller may touch. */
  providerId: string | null
  /** Set for payer tokens: the payer organization the caller acts for. */
  payerId: string | null
  label: string | null
}

/** How a caller is named in the metadata of the events it causes. */
export const actorOf = (caller: Caller) => `${caller.role}:${caller.tokenId}`

const hashToken = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest('hex')

export interface CreateTokenInput {
  role: Role
  providerId?: string | null
  payerId?: string | null
  label?: string | null
  /** The moment from which the token no longer authenticates; none: until revoked. */
  expiresAt?: Date | null
}

class TokenScopeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TokenScopeError'
  }
}

/** Creates a token; only its hash is stored, so the returned token is the one and only copy. */
export async function createToken(sql: Sql, input: CreateTokenInput): Promise<{ token: string; caller: Caller; info: TokenInfo }> {
  if (input.role === 'provider' && !input.providerId) throw new TokenScopeError('a provider token needs --provider ID')
  if (input.role === 'payer' && !input.payerId) throw new TokenScopeError('a payer token needs --payer ID')
  if (input.role !== 'provider' && input.providerId) throw new TokenScopeError('--provider goes only with --role provider')
  if (input.role !== 'payer' && input.payerId) throw new TokenScopeError('--payer goes only with --role payer')
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new TokenScopeError('the expiry must lie in the future')
  const token = `lgr_${crypto.randomBytes(32).toString('base64url')}`
  const caller: Caller = {
    tokenId: crypto.randomUUID(),
    role: input.role,
    providerId: input.providerId ?? null,
    payerId: input.payerId ?? null,
    label: input.label ?? null,
  }
  const [row] = await sql<TokenRow[]>`
    INSERT INTO ledger.api_tokens (token_id, token_hash, role, provider_id, payer_id, label, expires_at)
    VALUES (${caller.tokenId}, ${hashToken(token)}, ${caller.role}, ${caller.providerId}, ${caller.payerId}, ${caller.label}, ${input.expiresAt ?? null})
    RETURNING ${tokenColumns(sql)}`
  return { token, caller, info: tokenInfo(row!) }
}

export async function findCaller(sql: Sql, token: string): Promise<Caller | null> {
  const [row] = await sql<{ token_id: string; role: Role; provider_id: string | null; payer_id: string | null; label: string | null }[]>`
    SELECT token_id, role, provider_id, payer_id, label FROM ledger.api_tokens
    WHERE token_hash = ${hashToken(token)} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`
  if (!row) return null
  return { tokenId: row.token_id, role: row.role, providerId: row.provider_id, payerId: row.payer_id, label: row.label }
}

/** A token as an operator sees it in a list: never the token itself, which only its holder has. */
export interface TokenInfo {
  tokenId: string
  role: Role
  providerId: string | null
  payerId: string | null
  label: string | null
  createdAt: Date
  expiresAt: Date | null
  revokedAt: Date | null
  state: 'active' | 'expired' | 'revoked'
}

interface TokenRow {
  token_id: string
  role: Role
  provider_id: string | null
  payer_id: string | null
  label: string | null
  created_at: Date
  expires_at: Date | null
  revoked_at: Date | null
  expired: boolean
}

const tokenColumns = (sql: Sql) =>
  sql`token_id, role, provider_id, payer_id, label, created_at, expires_at, revoked_at, coalesce(expires_at <= now(), false) AS expired`

const tokenInfo = (row: TokenRow): TokenInfo => ({
  tokenId: row.token_id,
  role: row.role,
  providerId: row.provider_id,
  payerId: row.payer_id,
  label: row.label,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  state: row.revoked_at ? 'revoked' : row.expired ? 'expired' : 'active',
})

/** Every token, oldest first; only those that still authenticate unless `all`. */
export async function listTokens(sql: Sql, options: { all?: boolean } = {}): Promise<TokenInfo[]> {
  const rows = await sql<TokenRow[]>`
    SELECT ${tokenColumns(sql)} FROM ledger.api_tokens
    WHERE ${options.all ? sql`true` : sql`revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`}
    ORDER BY created_at, token_id`
  return rows.map(tokenInfo)
}

/**
 * Revokes a token at once (every later request with it is a 401). Revoking a revoked token changes nothing and
 * answers it as it is, so a retried revocation is harmless; undefined when no token has this id.
 */
export async function revokeToken(sql: Sql, tokenId: string): Promise<TokenInfo | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tokenId)) return undefined
  const [row] = await sql<TokenRow[]>`
    UPDATE ledger.api_tokens SET revoked_at = coalesce(revoked_at, now())
    WHERE token_id = ${tokenId}
    RETURNING ${tokenColumns(sql)}`
  return row && tokenInfo(row)
}
