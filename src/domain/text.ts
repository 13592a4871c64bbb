// Text the ledger can store. PostgreSQL's text and jsonb hold neither a NUL character nor a UTF-16 surrogate
// without its pair (JavaScript strings can hold both), so such text is refused where it enters — every string of
// every request, every field of an imported file — with one rule, here.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why this string cannot be stored, or null when it can. */
export function unstorableText(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000), which cannot be stored'
  if (LONE_SURROGATE.test(s)) return 'contains a lone UTF-16 surrogate (not a Unicode character), which cannot be stored'
  return null
}

export interface UnstorableText {
  /** Where in the value: property names and array indexes. */
  path: (string | number)[]
  reason: string
}

/** The first string in a value (a JSON document, parsed parameters) that cannot be stored, object keys included. */
export function findUnstorableText(value: unknown, path: (string | number)[] = []): UnstorableText | null {
  if (typeof value === 'string') {
    const reason = unstorableText(value)
    return reason ? { path, reason } : null
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorableText(item, [...path, i])
      if (found) return found
    }
    return null
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyReason = unstorableText(key)
      if (keyReason) return { path, reason: `has a field name that ${keyReason}` }
      const found = findUnstorableText(item, [...path, key])
      if (found) return found
    }
  }
  return null
}
