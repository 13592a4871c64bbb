import crypto from 'node:crypto'

// Signed checkpoints in the text format of other transparency logs: the C2SP `tlog-checkpoint` body (origin, tree
// size, base64 root) in a C2SP `signed-note` with an Ed25519 signature line, and keys written as Go's sumdb/note
// writes them: `name+hash+base64` for the published verifier key, `PRIVATE+KEY+name+hash+base64` for the signing key.

const ED25519 = 0x01
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex')
const SIGNATURE_DASH = '\u2014'

/** Key names and origins: one word without spaces or `+`, as the note format requires. */
const NAME = /^[^\s+]{1,200}$/

class CheckpointError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CheckpointError'
  }
}

/** The 4-byte key id of a note key: the first bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key). */
function keyIdOf(name: string, publicKey: Buffer): Buffer {
  return crypto
    .createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.from([ED25519]), publicKey]))
    .digest()
    .subarray(0, 4)
}

export interface VerifierKey {
  name: string
  keyId: Buffer
  publicKey: Buffer
  /** `name+hash+base64(0x01 ‖ public key)`, the key an auditor keeps. */
  text: string
  verify(message: string, signature: Buffer): boolean
}

export interface SigningKey extends Omit<VerifierKey, 'verify'> {
  sign(message: string): Buffer
  verifier: VerifierKey
}

function verifierFrom(name: string, publicKey: Buffer): VerifierKey {
  const keyId = keyIdOf(name, publicKey)
  const key = crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' })
  return {
    name,
    keyId,
    publicKey,
    text: `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([ED25519]), publicKey]).toString('base64')}`,
    verify: (message, signature) => signature.length === 64 && crypto.verify(null, Buffer.from(message, 'utf8'), key, signature),
  }
}

/** A new Ed25519 signing key named `name`, as the text of its key file. */
export function generateSigningKey(name: string): string {
  if (!NAME.test(name)) throw new CheckpointError(`a key name is one word without spaces or "+" (got ${JSON.stringify(name)})`)
  const seed = crypto.randomBytes(32)
  const publicKey = signingKeyFromSeed(name, seed).publicKey
  return `PRIVATE+KEY+${name}+${keyIdOf(name, publicKey).toString('hex')}+${Buffer.concat([Buffer.from([ED25519]), seed]).toString('base64')}\n`
}

function signingKeyFromSeed(name: string, seed: Buffer): SigningKey {
  const key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' })
  const publicKey = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32)
  const verifier = verifierFrom(name, publicKey)
  return { ...verifier, verifier, sign: (message) => crypto.sign(null, Buffer.from(message, 'utf8'), key) }
}

/** Splits at the first `n` plus signs: the base64 key after them may hold more. */
function chop(text: string, n: number): string[] {
  const parts: string[] = []
  let rest = text.trim()
  for (let i = 0; i < n; i++) {
    const at = rest.indexOf('+')
    if (at < 0) return [...parts, rest]
    parts.push(rest.slice(0, at))
    rest = rest.slice(at + 1)
  }
  return [...parts, rest]
}

/** Reads a key file's text (`PRIVATE+KEY+name+hash+base64`); refuses one whose hash does not match its key. */
export function parseSigningKey(text: string): SigningKey {
  const parts = chop(text, 4)
  if (parts.length !== 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw new CheckpointError('not a signing key (expected PRIVATE+KEY+name+hash+base64)')
  const [, , name, hash, encoded] = parts as [string, string, string, string, string]
  const raw = Buffer.from(encoded, 'base64')
  if (!NAME.test(name) || raw.length !== 33 || raw[0] !== ED25519) throw new CheckpointError('not an Ed25519 signing key')
  const key = signingKeyFromSeed(name, raw.subarray(1))
  if (key.keyId.toString('hex') !== hash) throw new CheckpointError('the signing key does not match its own key hash')
  return key
}

/** Reads a published verifier key (`name+hash+base64`). */
export function parseVerifierKey(text: string): VerifierKey {
  const parts = chop(text, 2)
  if (parts.length !== 3) throw new CheckpointError('not a verifier key (expected name+hash+base64)')
  const [name, hash, encoded] = parts as [string, string, string]
  const raw = Buffer.from(encoded, 'base64')
  if (!NAME.test(name) || raw.length !== 33 || raw[0] !== ED25519) throw new CheckpointError('not an Ed25519 verifier key')
  const key = verifierFrom(name, raw.subarray(1))
  if (key.keyId.toString('hex') !== hash) throw new CheckpointError('the verifier key does not match its own key hash')
  return key
}

export interface Checkpoint {
  origin: string
  size: number
  root: Buffer
}

/** The checkpoint's body: origin, size and base64 root, each line ending in a newline. */
export function checkpointBody(c: Checkpoint): string {
  if (!NAME.test(c.origin)) throw new CheckpointError(`an origin is one word without spaces or "+" (got ${JSON.stringify(c.origin)})`)
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n`
}

/** The signed note: the body, a blank line, and `— <key name> <base64(key id ‖ signature)>`. */
export function signCheckpoint(c: Checkpoint, key: SigningKey): string {
  return signNote(checkpointBody(c), key)
}

export interface SignedCheckpoint extends Checkpoint {
  note: string
  body: string
  signatures: { name: string; keyId: Buffer; signature: Buffer }[]
}

export interface SignedNote {
  note: string
  /** The signed text: every line up to the blank line, each ending in a newline. */
  body: string
  lines: string[]
  signatures: { name: string; keyId: Buffer; signature: Buffer }[]
}

/** Reads a signed note (C2SP signed-note) without checking its signatures. */
function parseNote(note: string): SignedNote {
  const split = note.indexOf('\n\n')
  if (split < 0 || !note.endsWith('\n')) throw new CheckpointError('not a signed note: no blank line between the body and the signatures')
  const body = note.slice(0, split + 1)
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      const m = new RegExp(`^${SIGNATURE_DASH} ([^\\s+]{1,200}) ([A-Za-z0-9+/=]+)$`).exec(line)
      const raw = m ? Buffer.from(m[2]!, 'base64') : null
      if (!m || !raw || raw.length < 5) throw new CheckpointError(`not a signature line: ${JSON.stringify(line.slice(0, 80))}`)
      return { name: m[1]!, keyId: raw.subarray(0, 4), signature: raw.subarray(4) }
    })
  return { note, body, lines: body.slice(0, -1).split('\n'), signatures }
}

/** Signs any note body (lines ending in newlines, no blank line) with the ledger key. */
export function signNote(body: string, key: SigningKey): string {
  if (!body.endsWith('\n') || body.includes('\n\n')) throw new CheckpointError('a note body is lines each ending in a newline, none blank')
  return `${body}\n${SIGNATURE_DASH} ${key.name} ${Buffer.concat([key.keyId, key.sign(body)]).toString('base64')}\n`
}

/** Reads a signed note and checks `key` signed it: refused when no signature of that key verifies. */
export function openNote(note: string, key: VerifierKey, what = 'the note'): SignedNote {
  const n = parseNote(note)
  const mine = n.signatures.filter((s) => s.name === key.name && s.keyId.equals(key.keyId))
  if (mine.length === 0) throw new CheckpointError(`${what} is not signed by ${key.name}`)
  if (!mine.some((s) => key.verify(n.body, s.signature))) throw new CheckpointError(`${what} has a bad signature: it is not what ${key.name} signed`)
  return n
}

/** Reads a checkpoint note without checking its signatures; refuses text that is not one. */
export function parseCheckpoint(note: string): SignedCheckpoint {
  const n = parseNote(note)
  if (n.lines.length < 3) throw new CheckpointError('not a checkpoint: it needs an origin, a tree size and a root')
  const [origin, sizeText, rootText] = n.lines as [string, string, string]
  if (!NAME.test(origin)) throw new CheckpointError('not a checkpoint: the origin line is not one word')
  if (!/^(0|[1-9]\d{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw new CheckpointError('not a checkpoint: the size is not a decimal number')
  const root = Buffer.from(rootText, 'base64')
  if (root.length !== 32 || root.toString('base64') !== rootText) throw new CheckpointError('not a checkpoint: the root is not 32 bytes of base64')
  return { origin, size: Number(sizeText), root, note, body: n.body, signatures: n.signatures }
}

/** Reads a checkpoint note and checks it is signed by `key`: refused when no signature of that key verifies. */
export function openCheckpoint(note: string, key: VerifierKey): SignedCheckpoint {
  const c = parseCheckpoint(note)
  const mine = c.signatures.filter((s) => s.name === key.name && s.keyId.equals(key.keyId))
  if (mine.length === 0) throw new CheckpointError(`the checkpoint of size ${c.size} is not signed by ${key.name}`)
  if (!mine.some((s) => key.verify(c.body, s.signature)))
    throw new CheckpointError(`the checkpoint of size ${c.size} has a bad signature: it is not what ${key.name} signed`)
  return c
}
