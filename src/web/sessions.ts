import crypto from 'node:crypto'
import type { Caller, Role } from '../auth/tokens.ts'
import { findCaller } from '../auth/tokens.ts'
import type { Sql } from '../db/database.ts'

// Workspace sessions, kept in the database (ledger.web_sessions) so any server on it answers any request. The
// browser holds a random secret in an HttpOnly, SameSite=Strict cookie; the database holds its SHA-256, the token
// the user signed in with, a CSRF token for the session's forms, and when the session ends.

export const SESSION_COOKIE = 'ledger_session'

/** A session as a page sees it: who, and the token its forms must carry. */
export interface WebSession {
  caller: Caller
  csrfToken: string
  expiresAt: Date
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex')
const secret = () => crypto.randomBytes(32).toString('base64url')

/** Opens a session for a bearer token; null when the token is unknown or revoked. Returns the cookie's secret. */
export async function openSession(sql: Sql, token: string, lifetimeMinutes: number): Promise<{ cookie: string; session: WebSession } | null> {
  const caller = await findCaller(sql, token)
  if (!caller) return null
  const cookie = secret()
  const csrfToken = secret()
  const expiresAt = new Date(Date.now() + lifetimeMinutes * 60_000)
  await sql`
    INSERT INTO ledger.web_sessions (session_hash, token_id, csrf_token, expires_at)
    VALUES (${sha256(cookie)}, ${caller.tokenId}, ${csrfToken}, ${expiresAt})`
  return { cookie, session: { caller, csrfToken, expiresAt } }
}

/** The live session of a cookie: not ended, not expired, its token neither revoked nor expired. */
export async function findSession(sql: Sql, cookie: string): Promise<WebSession | null> {
  if (!/^[\w-]{20,100}$/.test(cookie)) return null
  const [row] = await sql<
    { token_id: string; role: Role; provider_id: string | null; payer_id: string | null; label: string | null; csrf_token: string; expires_at: Date }[]
  >`
    SELECT t.token_id, t.role, t.provider_id, t.payer_id, t.label, s.csrf_token, s.expires_at
    FROM ledger.web_sessions s JOIN ledger.api_tokens t USING (token_id)
    WHERE s.session_hash = ${sha256(cookie)} AND s.ended_at IS NULL AND s.expires_at > now() AND t.revoked_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > now())`
  if (!row) return null
  return {
    caller: { tokenId: row.token_id, role: row.role, providerId: row.provider_id, payerId: row.payer_id, label: row.label },
    csrfToken: row.csrf_token,
    expiresAt: row.expires_at,
  }
}

/** Ends the session of a cookie (signing out); expired sessions are removed on the way. */
export async function endSession(sql: Sql, cookie: string): Promise<void> {
  await sql`UPDATE ledger.web_sessions SET ended_at = now() WHERE session_hash = ${sha256(cookie)} AND ended_at IS NULL`
  await sql`DELETE FROM ledger.web_sessions WHERE expires_at < now() - interval '1 day'`
}

/** Whether a form's CSRF token is the session's (compared in constant time). */
export function csrfMatches(session: WebSession, given: unknown): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(session.csrfToken)
  const b = Buffer.from(given)
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

/** The value of one cookie of a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return decodeURIComponent(v.join('='))
  }
  return null
}

export function sessionCookie(value: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${options.maxAgeSeconds}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ')
}
