import crypto from 'node:crypto'

/** The ledger's UUID namespace for name-based (version 5) ids. */
const NAMESPACE = Buffer.from('6f1d8a52c4e94b1f9a3d2e7b5c0f8a41', 'hex')

/**
 * RFC 4122 version-5 UUID of a name: the same name always gives the same id. Processes name every event they
 * write after what they are doing, so a rerun finds its earlier work instead of doing it twice.
 */
export function uuidFromName(name: string): string {
  const hash = crypto.createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

export const sha256 = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex')
