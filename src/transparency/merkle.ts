import crypto from 'node:crypto'

// A Merkle tree over the global log as RFC 9162 (Certificate Transparency 2.0) defines it, §2.1: leaf hash =
// SHA-256(0x00 ‖ leaf), node hash = SHA-256(0x01 ‖ left ‖ right), the tree of n leaves split at the largest power
// of two below n. Generation follows the recursive definitions (§2.1.3.1, §2.1.4.1); verification follows the
// iterative algorithms (§2.1.3.2, §2.1.4.2), written apart from generation so one checks the other.

// One-shot hashing (Node ≥ 20.12): a Hash object costs more than hashing the 33 or 65 bytes of a leaf or a node,
// and the tree's follower hashes two of them per event. Older Node 20 releases take the Hash object.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : null
const sha256 = (...parts: Buffer[]): Buffer => {
  if (oneShot) return oneShot('sha256', parts.length === 1 ? parts[0]! : Buffer.concat(parts), 'buffer')
  const h = crypto.createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}
const LEAF = Buffer.from([0])
const NODE = Buffer.from([1])

/** The hash of an empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT = sha256()

/** The leaf of an event: its 32-byte hash (the raw bytes of its hex `hash`), hashed with the leaf prefix. */
export function leafHash(eventHash: string | Buffer): Buffer {
  const raw = typeof eventHash === 'string' ? Buffer.from(eventHash, 'hex') : eventHash
  if (raw.length !== 32 || (typeof eventHash === 'string' && !/^[0-9a-f]{64}$/.test(eventHash))) throw new Error('an event hash is 32 bytes (64 hex digits)')
  return sha256(LEAF, raw)
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return sha256(NODE, left, right)
}

/**
 * The hash of the perfect subtree of 2^level leaves starting at leaf index·2^level. A tree kept in a database stores
 * these as it grows, so any root or proof needs only O(log n) of them, never the whole range of leaves.
 */
export type Subtrees = (level: number, index: number) => Buffer

/** The largest power of two strictly below n (n ≥ 2). */
function splitOf(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

const isPowerOfTwo = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n

/** MTH(D[a:b]): every range the recursions below produce starts at a multiple of the largest power of two ≤ its size. */
function rangeHash(a: number, b: number, sub: Subtrees): Buffer {
  const n = b - a
  if (n === 0) return EMPTY_ROOT
  if (isPowerOfTwo(n) && a % n === 0) return sub(Math.log2(n), a / n)
  const k = splitOf(n)
  return nodeHash(rangeHash(a, a + k, sub), rangeHash(a + k, b, sub))
}

/** The root of the tree of the first `size` leaves. */
export function rootOf(size: number, sub: Subtrees): Buffer {
  return rangeHash(0, size, sub)
}

/** PATH(m, D[0:size]), §2.1.3.1: the audit path of leaf `index`, from the leaf up. */
export function inclusionProof(index: number, size: number, sub: Subtrees): Buffer[] {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size))
    throw new RangeError(`leaf ${index} is not in a tree of ${size}`)
  const path = (m: number, a: number, b: number): Buffer[] => {
    const n = b - a
    if (n === 1) return []
    const k = splitOf(n)
    return m < k ? [...path(m, a, a + k), rangeHash(a + k, b, sub)] : [...path(m - k, a + k, b), rangeHash(a, a + k, sub)]
  }
  return path(index, 0, size)
}

/** PROOF(m, D[0:n]), §2.1.4.1: that the tree of m leaves is a prefix of the tree of n leaves. Empty when m is 0 or n. */
export function consistencyProof(m: number, n: number, sub: Subtrees): Buffer[] {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m >= 0 && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n}`)
  if (m === 0 || m === n) return []
  const subproof = (m: number, a: number, b: number, whole: boolean): Buffer[] => {
    const n = b - a
    if (m === n) return whole ? [] : [rangeHash(a, b, sub)]
    const k = splitOf(n)
    return m <= k ? [...subproof(m, a, a + k, whole), rangeHash(a + k, b, sub)] : [...subproof(m - k, a + k, b, false), rangeHash(a, a + k, sub)]
  }
  return subproof(m, 0, n, true)
}

/**
 * Runs a computation over subtrees kept elsewhere (a database): first with stand-ins to learn which subtrees it
 * needs (the recursions depend on sizes alone, never on hash values), then, once they are fetched in one go, for real.
 */
export async function withSubtrees<T>(fetch: (wanted: { level: number; index: number }[]) => Promise<Subtrees>, compute: (sub: Subtrees) => T): Promise<T> {
  const wanted = new Map<string, { level: number; index: number }>()
  const standIn = Buffer.alloc(32)
  compute((level, index) => {
    wanted.set(`${level}/${index}`, { level, index })
    return standIn
  })
  return compute(await fetch([...wanted.values()]))
}

/** Subtrees of leaves held in memory (tests, an export's leaves), each computed once. */
export function memorySubtrees(leaves: readonly Buffer[]): Subtrees {
  const cache = new Map<string, Buffer>()
  const sub: Subtrees = (level, index) => {
    if (level === 0) {
      const leaf = leaves[index]
      if (!leaf) throw new RangeError(`no leaf ${index}`)
      return leaf
    }
    const key = `${level}/${index}`
    let h = cache.get(key)
    if (!h) {
      h = nodeHash(sub(level - 1, 2 * index), sub(level - 1, 2 * index + 1))
      cache.set(key, h)
    }
    return h
  }
  return sub
}

const odd = (x: number) => x % 2 === 1
const half = (x: number) => Math.floor(x / 2)

/** §2.1.3.2: that `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves whose root is `root`. */
export function verifyInclusion(leaf: Buffer, index: number, size: number, proof: readonly Buffer[], root: Buffer): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) return false
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (p.length !== 32 || sn === 0) return false
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r)
      while (!odd(fn) && fn !== 0) {
        fn = half(fn)
        sn = half(sn)
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 && r.equals(root)
}

/** §2.1.4.2: that the tree of `first` leaves with root `firstRoot` is a prefix of the tree of `second` leaves with root `secondRoot`. */
export function verifyConsistency(first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: readonly Buffer[]): boolean {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second) && first >= 0 && first <= second)) return false
  if (proof.some((p) => p.length !== 32)) return false
  // The cases the RFC's algorithm leaves to its caller: an empty tree is a prefix of any, a tree only of itself.
  if (first === 0) return proof.length === 0 && firstRoot.equals(EMPTY_ROOT)
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot)
  if (proof.length === 0) return false
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof]
  let fn = first - 1
  let sn = second - 1
  while (odd(fn)) {
    fn = half(fn)
    sn = half(sn)
  }
  let fr = path[0]!
  let sr = path[0]!
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      while (!odd(fn) && fn !== 0) {
        fn = half(fn)
        sn = half(sn)
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot)
}
