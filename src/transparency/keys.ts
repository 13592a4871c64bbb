import fs from 'node:fs'
import path from 'node:path'
import type { Config } from '../config/config.ts'
import { generateSigningKey, parseSigningKey, type SigningKey } from './note.ts'
import type { CheckpointPolicy } from './tree.ts'

/** No key to sign checkpoints with, on a ledger that needs one: one line naming the command that makes one. */
class NoSigningKeyError extends Error {
  constructor(detail: string) {
    super(`${detail}; make one with \`ledger keys create --out FILE\` and set LEDGER_SIGNING_KEY_FILE to it`)
    this.name = 'NoSigningKeyError'
  }
}

/** The checkpoints' origin line: configured, or one naming this ledger (its database, or its data directory). */
export function originOf(config: Config): string {
  if (config.LEDGER_LOG_ORIGIN) return config.LEDGER_LOG_ORIGIN
  if (config.DATABASE_URL) {
    try {
      const u = new URL(config.DATABASE_URL)
      return `pfdo-ledger/${u.hostname}/${u.pathname.replace(/^\//, '') || 'postgres'}`.replace(/[\s+]/g, '-')
    } catch {
      return 'pfdo-ledger/ledger'
    }
  }
  return `pfdo-ledger/${path.basename(path.resolve(config.LEDGER_DATA_DIR.replace(/^memory:\/\//, 'memory'))) || 'ledger'}`.replace(/[\s+]/g, '-')
}

/** Where the embedded default keeps its key: beside the data directory (`<dir>.signing-key`). */
function embeddedKeyFile(config: Config): string | null {
  if (config.DATABASE_URL || config.LEDGER_DATA_DIR.startsWith('memory://')) return null
  return `${path.resolve(config.LEDGER_DATA_DIR)}.signing-key`
}

function readSigningKeyFile(file: string): SigningKey {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new NoSigningKeyError(`cannot read the signing key ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  try {
    return parseSigningKey(text)
  } catch (error) {
    throw new NoSigningKeyError(`${file} is not a signing key (${(error as Error).message})`)
  }
}

/** Writes a new key file (readable by its owner alone); refuses to overwrite one. Returns the key. */
export function createSigningKeyFile(file: string, name: string): SigningKey {
  const text = generateSigningKey(name)
  fs.writeFileSync(file, text, { flag: 'wx', mode: 0o600 })
  return parseSigningKey(text)
}

/**
 * The key that signs this ledger's checkpoints. LEDGER_SIGNING_KEY_FILE when set; on the embedded default, the file
 * beside the data directory, created on first start when `create` (an in-memory ledger gets a key for the process);
 * with an external database and no key, NoSigningKeyError.
 */
export function signingKeyOf(config: Config, options: { create?: boolean } = {}): { key: SigningKey; created: string | null } {
  if (config.LEDGER_SIGNING_KEY_FILE) return { key: readSigningKeyFile(config.LEDGER_SIGNING_KEY_FILE), created: null }
  if (config.DATABASE_URL) throw new NoSigningKeyError('no key to sign the transparency log with (LEDGER_SIGNING_KEY_FILE is not set)')
  const file = embeddedKeyFile(config)
  if (!file) return { key: parseSigningKey(generateSigningKey(originOf(config))), created: 'memory' }
  if (fs.existsSync(file)) return { key: readSigningKeyFile(file), created: null }
  if (!options.create) throw new NoSigningKeyError(`no signing key beside the data directory (${file})`)
  return { key: createSigningKeyFile(file, originOf(config)), created: file }
}

export function checkpointPolicy(config: Config, key: SigningKey): CheckpointPolicy {
  return { key, origin: originOf(config), everyEvents: config.CHECKPOINT_EVERY_EVENTS, everySeconds: config.CHECKPOINT_EVERY_SECONDS }
}
