import crypto from 'node:crypto'
import fc from 'fast-check'
import t from 'tap'
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  memorySubtrees,
  rootOf,
  verifyConsistency,
  verifyInclusion,
  withSubtrees,
} from '../../src/transparency/merkle.ts'

// The tree's hashes and proofs against RFC 9162: roots against the definition of MTH written the plain way over
// arrays, known roots of the RFC 6962 test leaves, and every proof the ledger generates accepted by the RFC's
// verification algorithms (src/transparency/merkle.ts writes those apart from generation), tampered ones refused.

const sha = (...b: Buffer[]) => crypto.createHash('sha256').update(Buffer.concat(b)).digest()

/** MTH(D[n]) of RFC 9162 §2.1.1, over the leaf hashes themselves. */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha()
  if (leaves.length === 1) return leaves[0]!
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return sha(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)))
}

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => leafHash(sha(Buffer.from(`event ${i}`))))
const big = leavesOf(5000)
const bigTree = memorySubtrees(big)
const flip = (b: Buffer) => {
  const c = Buffer.from(b)
  c[7]! ^= 1
  return c
}

t.test('the leaf of an event is SHA-256(0x00 ‖ its 32 raw hash bytes), and a malformed hash is refused', async (t) => {
  const hex = 'ab'.repeat(32)
  t.same(leafHash(hex), sha(Buffer.from([0]), Buffer.from(hex, 'hex')))
  t.throws(() => leafHash('AB'.repeat(32)))
  t.throws(() => leafHash('ab'.repeat(31)))
})

t.test('roots of the RFC 6962 test leaves are the published ones', async (t) => {
  const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f']
  const leaves = inputs.map((h) => sha(Buffer.from([0]), Buffer.from(h, 'hex')))
  const roots = [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ]
  const sub = memorySubtrees(leaves)
  for (let n = 1; n <= 8; n++) t.equal(rootOf(n, sub).toString('hex'), roots[n - 1], `root of ${n}`)
  t.same(rootOf(0, sub), EMPTY_ROOT)
})

t.test('the root of every size up to 300 is MTH of the RFC, and sampled sizes up to 5000 too', async (t) => {
  let wrong = 0
  for (let n = 0; n <= 300; n++) if (!rootOf(n, bigTree).equals(mth(big.slice(0, n)))) wrong++
  t.equal(wrong, 0)
  fc.assert(
    fc.property(fc.integer({ min: 301, max: 5000 }), (n) => rootOf(n, bigTree).equals(mth(big.slice(0, n)))),
    { numRuns: 40 },
  )
  t.pass('40 sampled roots held')
})

t.test('every inclusion proof of every leaf of every tree up to 256 leaves verifies; tampered ones do not', async (t) => {
  let refused = 0
  let accepted = 0
  for (let n = 1; n <= 256; n++) {
    const root = mth(big.slice(0, n))
    for (let i = 0; i < n; i++) {
      const proof = inclusionProof(i, n, bigTree)
      if (verifyInclusion(big[i]!, i, n, proof, root)) accepted++
      else refused++
    }
  }
  t.equal(refused, 0, 'none refused')
  t.equal(accepted, (256 * 257) / 2)
  let forged = 0
  for (let n = 2; n <= 64; n++) {
    const root = mth(big.slice(0, n))
    for (let i = 0; i < n; i++) {
      const proof = inclusionProof(i, n, bigTree)
      const j = (i + 1) % n
      const attempts = [
        verifyInclusion(big[j]!, i, n, proof, root), // another leaf
        verifyInclusion(big[i]!, j, n, proof, root), // another index
        verifyInclusion(big[i]!, i, n, proof, flip(root)),
        verifyInclusion(big[i]!, i, n, proof.slice(1), root), // a hash left out
        verifyInclusion(big[i]!, i, n, [...proof, big[0]!], root), // one added
        ...proof.map((_, k) =>
          verifyInclusion(
            big[i]!,
            i,
            n,
            proof.map((p, q) => (q === k ? flip(p) : p)),
            root,
          ),
        ),
      ]
      forged += attempts.filter(Boolean).length
    }
  }
  t.equal(forged, 0, 'no tampered inclusion proof verifies')
})

t.test('inclusion proofs of sampled leaves of trees up to 5000 leaves verify; a flipped hash does not', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1))),
      fc.nat(),
      ([n, i], k) => {
        const root = rootOf(n, bigTree)
        const proof = inclusionProof(i, n, bigTree)
        if (!verifyInclusion(big[i]!, i, n, proof, root)) return false
        if (proof.length === 0) return true
        const bad = proof.map((p, q) => (q === k % proof.length ? flip(p) : p))
        return !verifyInclusion(big[i]!, i, n, bad, root)
      },
    ),
    { numRuns: 500 },
  )
  t.pass('500 sampled proofs held')
})

t.test('every consistency proof between sizes of trees up to 64 leaves verifies; tampered ones do not', async (t) => {
  let refused = 0
  let forged = 0
  for (let n = 1; n <= 64; n++) {
    const rootN = mth(big.slice(0, n))
    for (let m = 0; m <= n; m++) {
      const rootM = mth(big.slice(0, m))
      const proof = consistencyProof(m, n, bigTree)
      if (!verifyConsistency(m, n, rootM, rootN, proof)) refused++
      if (m === 0) continue
      const attempts = [
        verifyConsistency(m, n, flip(rootM), rootN, proof),
        verifyConsistency(m, n, rootM, flip(rootN), proof),
        verifyConsistency(m, n, rootM, rootN, [...proof, big[0]!]),
        ...proof.map((_, k) =>
          verifyConsistency(
            m,
            n,
            rootM,
            rootN,
            proof.map((p, q) => (q === k ? flip(p) : p)),
          ),
        ),
      ]
      if (m < n) attempts.push(verifyConsistency(m, n, rootM, rootN, proof.slice(1)))
      forged += attempts.filter(Boolean).length
    }
  }
  t.equal(refused, 0, 'none refused')
  t.equal(forged, 0, 'no tampered consistency proof verifies')
  // A tree that is not a prefix: the same size with another leaf in it.
  const other = [...big.slice(0, 10)]
  other[3] = big[4000]!
  t.notOk(verifyConsistency(10, 20, mth(other), mth(big.slice(0, 20)), consistencyProof(10, 20, bigTree)))
})

t.test('consistency proofs between sampled sizes up to 5000 verify; a flipped hash does not', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.nat(n), fc.constant(n))),
      fc.nat(),
      ([m, n], k) => {
        const rootM = rootOf(m, bigTree)
        const rootN = rootOf(n, bigTree)
        const proof = consistencyProof(m, n, bigTree)
        if (!verifyConsistency(m, n, rootM, rootN, proof)) return false
        if (proof.length === 0) return true
        const bad = proof.map((p, q) => (q === k % proof.length ? flip(p) : p))
        return !verifyConsistency(m, n, rootM, rootN, bad)
      },
    ),
    { numRuns: 500 },
  )
  t.pass('500 sampled proofs held')
})

t.test('a computation over fetched subtrees asks for O(log n) of them and gives the same answer', async (t) => {
  let asked = 0
  const proof = await withSubtrees(
    async (wanted) => {
      asked = wanted.length
      return bigTree
    },
    (sub) => inclusionProof(1234, 4321, sub),
  )
  t.same(proof, inclusionProof(1234, 4321, bigTree))
  t.ok(asked > 0 && asked <= 2 * Math.ceil(Math.log2(4321)), `asked for ${asked} subtrees`)
})
