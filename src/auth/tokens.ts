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
}

class TokenScopeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TokenScopeError'
  }
}

/** Creates a token; only its hash is stored, so the returned token is the one and only copy. */
export async function createToken(sql: Sql, input: CreateTokenInput): Promise<{ token: string; caller: Caller }> {
  if (input.role === 'provider' && !input.providerId) throw new TokenScopeError('a provider token needs --provider ID')
  if (input.role === 'payer' && !input.payerId) throw new TokenScopeError('a payer token needs --payer ID')
  if (input.role !== 'provider' && input.providerId) throw new TokenScopeError('--provider goes only with --role provider')
  if (input.role !== 'payer' && input.payerId) throw new TokenScopeError('--payer goes only with --role payer')
  const token = `lgr_${crypto.randomBytes(32).toString('base64url')}`
  const caller: Caller = {
    tokenId: crypto.randomUUID(),
    role: input.role,
    providerId: input.providerId ?? null,
    payerId: input.payerId ?? null,
    label: input.label ?? null,
  }
  await sql`
    INSERT INTO ledger.api_tokens (token_id, token_hash, role, provider_id, payer_id, label)
    VALUES (${caller.tokenId}, ${hashToken(token)}, ${caller.role}, ${caller.providerId}, ${caller.payerId}, ${caller.label})`
  return { token, caller }
}

export async function findCaller(sql: Sql, token: string): Promise<Caller | null> {
  const [row] = await sql<{ token_id: string; role: Role; provider_id: string | null; payer_id: string | null; label: string | null }[]>`
    SELECT token_id, role, provider_id, payer_id, label FROM ledger.api_tokens
    WHERE token_hash = ${hashToken(token)} AND revoked_at IS NULL`
  if (!row) return null
  return { tokenId: row.token_id, role: row.role, providerId: row.provider_id, payerId: row.payer_id, label: row.label }
}
