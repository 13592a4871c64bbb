import crypto from 'node:crypto'
import t from 'tap'
import {
  checkpointBody,
  generateSigningKey,
  openCheckpoint,
  parseCheckpoint,
  parseSigningKey,
  parseVerifierKey,
  signCheckpoint,
} from '../../src/transparency/note.ts'

// Checkpoints read like other transparency logs' (C2SP tlog-checkpoint in a signed note, Ed25519), and a checkpoint
// whose text or signature was changed, or that another key signed, is refused.

const root = crypto.createHash('sha256').update('root').digest()

t.test('a checkpoint note is the C2SP text: origin, size, base64 root, blank line, one signature line', async (t) => {
  const key = parseSigningKey(generateSigningKey('ledger.example/pfdo'))
  const note = signCheckpoint({ origin: 'ledger.example/pfdo', size: 42, root }, key)
  const lines = note.split('\n')
  t.same(lines.slice(0, 4), ['ledger.example/pfdo', '42', root.toString('base64'), ''])
  t.match(lines[4], /^\u2014 ledger\.example\/pfdo [A-Za-z0-9+/]+=*$/)
  t.equal(lines[5], '', 'ends with a newline')
  const sig = Buffer.from(lines[4]!.split(' ')[2]!, 'base64')
  t.same(sig.subarray(0, 4), key.keyId, 'the signature starts with the key id')
  t.equal(sig.length, 4 + 64)
  // The signature is an Ed25519 signature of the body, checked here with node:crypto directly.
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.publicKey])
  t.ok(
    crypto.verify(
      null,
      Buffer.from(checkpointBody({ origin: 'ledger.example/pfdo', size: 42, root })),
      { key: spki, format: 'der', type: 'spki' },
      sig.subarray(4),
    ),
  )
  // The key id is SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[:4], as the signed-note format defines it.
  const id = crypto
    .createHash('sha256')
    .update(Buffer.concat([Buffer.from('ledger.example/pfdo\n'), Buffer.from([1]), key.publicKey]))
    .digest()
    .subarray(0, 4)
  t.same(key.keyId, id)
  t.match(key.verifier.text, new RegExp(`^ledger\\.example/pfdo\\+${id.toString('hex')}\\+[A-Za-z0-9+/]+=*$`))
  const opened = openCheckpoint(note, parseVerifierKey(key.verifier.text))
  t.same([opened.origin, opened.size, opened.root], ['ledger.example/pfdo', 42, root])
})

t.test('changed text, a bad signature, another key, or a malformed note is refused', async (t) => {
  const key = parseSigningKey(generateSigningKey('pfdo'))
  const other = parseSigningKey(generateSigningKey('pfdo'))
  const note = signCheckpoint({ origin: 'pfdo', size: 7, root }, key)
  const verifier = parseVerifierKey(key.verifier.text)
  t.throws(() => openCheckpoint(note.replace('\n7\n', '\n8\n'), verifier), /bad signature/)
  const sigLine = note.split('\n')[4]!
  const raw = Buffer.from(sigLine.split(' ')[2]!, 'base64')
  raw[10]! ^= 1
  t.throws(() => openCheckpoint(note.replace(sigLine, `\u2014 pfdo ${raw.toString('base64')}`), verifier), /bad signature/)
  t.throws(() => openCheckpoint(signCheckpoint({ origin: 'pfdo', size: 7, root }, other), verifier), /not signed by pfdo/)
  t.throws(() => parseCheckpoint('pfdo\n7\n'), /not a signed note/)
  t.throws(() => parseCheckpoint(`pfdo\nseven\n${root.toString('base64')}\n\n${sigLine}\n`), /size/)
  t.throws(() => parseSigningKey(generateSigningKey('pfdo').replace(/\+([0-9a-f]{8})\+/, '+00000000+')), /key hash/)
  t.throws(() => generateSigningKey('two words'))
})
