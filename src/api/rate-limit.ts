// Counting limits of the API: failed authentications per client address and requests per token, each a number
// per minute. In process, like the rest of a server's state: several servers behind one proxy each count their own.
// A small counter rather than @fastify/rate-limit: that plugin counts every request per key in its own onRequest
// hook, while these limits count only failures (known after the token lookup) and key by the token's id (known
// after authentication), so they belong inside the auth hook.

const WINDOW_MS = 60_000
/** Keys kept at most; past that, expired windows are dropped first, then the oldest. */
const MAX_KEYS = 100_000

/** Fixed one-minute windows per key. */
export class MinuteCounter {
  private readonly windows = new Map<string, { start: number; count: number }>()

  /** `limit` per minute; 0 counts nothing and limits nothing. */
  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the key's window ends when it has reached the limit, else null. */
  blocked(key: string): number | null {
    if (this.limit === 0) return null
    const w = this.current(key)
    return w && w.count >= this.limit ? Math.max(1, Math.ceil((w.start + WINDOW_MS - this.now()) / 1000)) : null
  }

  /** Counts one for the key; like `blocked`, says whether it is now over the limit. */
  hit(key: string): number | null {
    if (this.limit === 0) return null
    const w = this.current(key)
    if (w) {
      w.count++
      return w.count > this.limit ? Math.max(1, Math.ceil((w.start + WINDOW_MS - this.now()) / 1000)) : null
    }
    if (this.windows.size >= MAX_KEYS) this.prune()
    this.windows.set(key, { start: this.now(), count: 1 })
    return null
  }

  private current(key: string) {
    const w = this.windows.get(key)
    if (w && this.now() - w.start >= WINDOW_MS) {
      this.windows.delete(key)
      return undefined
    }
    return w
  }

  private prune() {
    const now = this.now()
    for (const [key, w] of this.windows) if (now - w.start >= WINDOW_MS) this.windows.delete(key)
    for (const key of this.windows.keys()) {
      if (this.windows.size < MAX_KEYS) break
      this.windows.delete(key)
    }
  }
}

export interface RateLimits {
  /** Failed authentications (no, malformed or unknown token) per client address per minute; 0: no limit. */
  authFailuresPerMinute: number
  /** Requests per token per minute; 0: no limit. */
  requestsPerTokenPerMinute: number
}

export const DEFAULT_RATE_LIMITS: RateLimits = { authFailuresPerMinute: 20, requestsPerTokenPerMinute: 6000 }
