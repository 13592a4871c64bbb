#!/usr/bin/env node
// An auditor's verifier of a ledger export, independent of the ledger's own code: one file, Node.js built-ins only
// (node 20+), nothing to install. Usage:
//
//   node verify-export.mjs EXPORT.ndjson --key 'NAME+HASH+BASE64' [--since OLD_CHECKPOINT.txt [--proof PROOF.json]] [--stream STREAM_ID]…
//
// It checks, from the file, its manifest (EXPORT.ndjson.manifest.json) and the ledger's published verifier key alone:
//  1. the checkpoint the export was cut at is signed by the key (C2SP signed note, Ed25519);
//  2. the tree's leaf hashes in the manifest have the checkpoint's root (RFC 9162 Merkle tree hash);
//  3. every event's content hashes to its hash, each stream's chain holds, and each event is its leaf of the tree;
//  4. the ledger's signed note over the export names this very file (SHA-256, count, every stream's last event);
//  5. with --since, the earlier checkpoint is signed too and a consistency proof (RFC 9162 §2.1.4) shows the tree only
//     grew since: the proof in --proof (as `GET /v1/transparency/consistency` gives it), else one computed from the leaves;
//  6. with --stream, an inclusion proof (RFC 9162 §2.1.3) of each event of that stream (an invoice, say) in the tree.
// Exit 0 when everything holds, 1 otherwise, naming what does not.
import crypto from 'node:crypto'
import fs from 'node:fs'
import { parseArgs } from 'node:util'

const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest()
const leafHash = (eventHashHex) => sha256(Buffer.from([0]), Buffer.from(eventHashHex, 'hex'))
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r)

// The ledger's event hash: SHA-256 of canonical JSON (keys sorted by UTF-16 code units, no whitespace).
function canonical(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x === undefined ? null : x)).join(',')}]`
  const keys = Object.keys(v)
    .filter((k) => v[k] !== undefined)
    .sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`
}
const eventHash = (e) =>
  crypto
    .createHash('sha256')
    .update(
      canonical({
        prevHash: e.prevHash,
        streamId: e.streamId,
        streamPosition: e.streamPosition,
        eventId: e.eventId,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: e.data,
        metadata: e.metadata,
        recordedAt: new Date(e.recordedAt).toISOString(),
      }),
      'utf8',
    )
    .digest('hex')

// RFC 9162 §2.1.1: MTH of leaves[a, b).
function mth(leaves, a, b) {
  const n = b - a
  if (n === 0) return sha256()
  if (n === 1) return leaves[a]
  let k = 1
  while (k * 2 < n) k *= 2
  return nodeHash(mth(leaves, a, a + k), mth(leaves, a + k, b))
}
// §2.1.3.1 PATH and §2.1.4.1 PROOF, straight from the definitions.
function path(m, leaves, a, b) {
  if (b - a === 1) return []
  let k = 1
  while (k * 2 < b - a) k *= 2
  return m < k ? [...path(m, leaves, a, a + k), mth(leaves, a + k, b)] : [...path(m - k, leaves, a + k, b), mth(leaves, a, a + k)]
}
function subproof(m, leaves, a, b, whole) {
  if (m === b - a) return whole ? [] : [mth(leaves, a, b)]
  let k = 1
  while (k * 2 < b - a) k *= 2
  return m <= k ? [...subproof(m, leaves, a, a + k, whole), mth(leaves, a + k, b)] : [...subproof(m - k, leaves, a + k, b, false), mth(leaves, a, a + k)]
}
// §2.1.3.2 and §2.1.4.2: verification.
function verifyInclusion(leaf, index, size, proof, root) {
  if (index >= size) return false
  let [fn, sn, r] = [index, size - 1, leaf]
  for (const p of proof) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r)
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)]
    } else r = nodeHash(r, p)
    ;[fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)]
  }
  return sn === 0 && r.equals(root)
}
function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot)
  if (first === 0 || first > second || proof.length === 0) return first === 0 && proof.length === 0
  const p = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof]
  let [fn, sn] = [first - 1, second - 1]
  while (fn % 2 === 1) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)]
  let [fr, sr] = [p[0], p[0]]
  for (const c of p.slice(1)) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      ;[fr, sr] = [nodeHash(c, fr), nodeHash(c, sr)]
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)]
    } else sr = nodeHash(sr, c)
    ;[fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)]
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot)
}

// C2SP signed notes with an Ed25519 key written name+hash+base64(0x01 ‖ public key).
function parseKey(text) {
  const [name, hash, ...rest] = text.trim().split('+')
  const raw = Buffer.from(rest.join('+'), 'base64')
  if (!name || raw.length !== 33 || raw[0] !== 1) throw new Error('not an Ed25519 verifier key (name+hash+base64)')
  const id = sha256(Buffer.from(`${name}\n`), raw).subarray(0, 4)
  if (id.toString('hex') !== hash) throw new Error('the verifier key does not match its own hash')
  const key = crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw.subarray(1)]), format: 'der', type: 'spki' })
  return { name, id, key }
}
function openNote(note, k, what) {
  const split = note.indexOf('\n\n')
  if (split < 0) throw new Error(`${what} is not a signed note`)
  const body = note.slice(0, split + 1)
  const ok = note
    .slice(split + 2)
    .split('\n')
    .some((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line)
      const sig = m && m[1] === k.name ? Buffer.from(m[2], 'base64') : null
      return sig?.subarray(0, 4).equals(k.id) && crypto.verify(null, Buffer.from(body), k.key, sig.subarray(4))
    })
  if (!ok) throw new Error(`${what} is not signed by ${k.name}`)
  return body.slice(0, -1).split('\n')
}
const openCheckpoint = (note, k, what) => {
  const [origin, size, root] = openNote(note, k, what)
  return { origin, size: Number(size), root: Buffer.from(root, 'base64') }
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { key: { type: 'string' }, since: { type: 'string' }, proof: { type: 'string' }, stream: { type: 'string', multiple: true } },
})
const [file] = positionals
if (!file || !values.key) {
  process.stderr.write('usage: node verify-export.mjs EXPORT.ndjson --key KEY [--since CHECKPOINT [--proof PROOF.json]] [--stream STREAM_ID]…\n')
  process.exit(2)
}
let failures = 0
const ok = (text) => process.stdout.write(`ok    ${text}\n`)
const fail = (text) => {
  failures++
  process.stdout.write(`FAIL  ${text}\n`)
}
try {
  const key = parseKey(values.key)
  const bytes = fs.readFileSync(file)
  const manifest = JSON.parse(fs.readFileSync(`${file}.manifest.json`, 'utf8'))
  const t = manifest.transparency ?? {}
  const cp = openCheckpoint(t.checkpoint ?? '', key, "the export's checkpoint")
  ok(`checkpoint signed by ${key.name}: ${cp.origin}, ${cp.size} events`)
  const raw = Buffer.from(t.leaves ?? '', 'base64')
  const leaves = Array.from({ length: raw.length / 32 }, (_, i) => raw.subarray(i * 32, i * 32 + 32))
  if (leaves.length !== cp.size || !mth(leaves, 0, leaves.length).equals(cp.root))
    throw new Error(`the manifest's leaves are not the signed tree of ${cp.size} events`)
  ok(`the ${leaves.length} leaves have the signed root`)
  const events = bytes
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
  const heads = new Map()
  let previous = -1
  events.forEach((e, i) => {
    const head = heads.get(e.streamId)
    const at = `line ${i + 1} (${e.streamId} position ${e.streamPosition}, event ${e.eventId})`
    if (e.streamPosition !== (head ? head.position + 1 : 0) || e.prevHash !== (head ? head.hash : '0'.repeat(64))) fail(`${at}: the stream's chain is broken`)
    if (eventHash(e) !== e.hash) fail(`${at}: its content does not hash to its hash (altered)`)
    const index = t.leafIndex?.[i]
    if (!(index > previous && index < leaves.length) || !leafHash(e.hash).equals(leaves[index]))
      fail(`${at}: not its leaf of the signed tree (altered, re-chained or forged)`)
    previous = index ?? previous
    heads.set(e.streamId, { position: e.streamPosition, hash: e.hash })
  })
  ok(`${events.length} events read, ${heads.size} streams`)
  const lines = openNote(t.signature ?? '', key, "the ledger's note over the export")
  const field = (name) => lines.find((l) => l.startsWith(`${name} `))?.slice(name.length + 1)
  if (field('sha256') !== crypto.createHash('sha256').update(bytes).digest('hex')) fail('the file is not the one the ledger signed (SHA-256 differs)')
  if (field('events') !== String(events.length)) fail(`the ledger signed ${field('events')} events, the file has ${events.length}`)
  if (field('tree') !== `${cp.size} ${cp.root.toString('base64')}`) fail("the ledger's note names another checkpoint")
  const signed = lines.filter((l) => l.startsWith('stream ')).map((l) => /^stream (.+) (\d+) ([0-9a-f]{64})$/.exec(l))
  for (const m of signed) {
    const head = heads.get(m[1])
    if (!head) fail(`stream ${m[1]} is missing from the file (dropped)`)
    else if (head.position !== Number(m[2]) || head.hash !== m[3]) fail(`the last event of stream ${m[1]} is not the one the ledger signed (position ${m[2]})`)
  }
  if (signed.length !== heads.size) fail(`the ledger signed ${signed.length} streams, the file has ${heads.size}`)
  ok(`the ledger's signed note over the export checked (${signed.length} streams)`)
  if (values.since) {
    const old = openCheckpoint(fs.readFileSync(values.since, 'utf8'), key, 'the earlier checkpoint')
    if (old.size > cp.size) throw new Error(`the earlier checkpoint has ${old.size} events, the export's only ${cp.size}: the ledger shrank`)
    const proof = values.proof
      ? JSON.parse(fs.readFileSync(values.proof, 'utf8')).proof.map((h) => Buffer.from(h, 'hex'))
      : old.size === 0
        ? []
        : subproof(old.size, leaves, 0, cp.size, true)
    if (verifyConsistency(old.size, cp.size, old.root, cp.root, proof))
      ok(`consistent with the earlier checkpoint: the ledger only appended (${old.size} → ${cp.size} events)`)
    else fail(`the ledger rewrote history: the checkpoint of ${cp.size} events does not extend the earlier one of ${old.size}`)
  }
  for (const stream of values.stream ?? []) {
    const mine = events.map((e, i) => [e, t.leafIndex[i]]).filter(([e]) => e.streamId === stream)
    if (mine.length === 0) fail(`stream ${stream} is not in the export`)
    for (const [e, index] of mine)
      if (!verifyInclusion(leafHash(e.hash), index, cp.size, path(index, leaves, 0, cp.size), cp.root))
        fail(`event ${e.eventId} of ${stream} is not in the signed tree`)
    if (mine.length > 0) ok(`${mine.length} events of ${stream} proved included in the signed tree`)
  }
} catch (error) {
  fail(error.message)
}
process.stdout.write(failures === 0 ? 'everything holds\n' : `${failures} problem(s)\n`)
process.exit(failures === 0 ? 0 : 1)
