import crypto from 'node:crypto'
import fc from 'fast-check'
import t from 'tap'
import { canonicalJson, eventHash } from '../../src/store/hash.ts'

// The reference reading of "canonical JSON" (keys sorted by UTF-16 code units, no whitespace, undefined members
// dropped), written the plain way: the ledger's faster encoder must give the same text for every value, or the
// hash chains of logs already recorded would no longer verify.
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map((v) => reference(v === undefined ? null : v)).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`
}

t.test('the encoder writes what the reference writes, for any JSON value with undefined members', async (t) => {
  const value = fc.letrec((tie) => ({
    leaf: fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ unit: 'binary' }), fc.constant(undefined)),
    array: fc.array(tie('node'), { maxLength: 5 }),
    object: fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('node'), { maxKeys: 6 }),
    node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('array'), tie('object')),
  })).node
  fc.assert(
    fc.property(value, (v) => {
      if (v === undefined) return true
      return canonicalJson(v) === reference(v)
    }),
    { numRuns: 2000 },
  )
  t.pass('2 000 values agree')
  t.equal(canonicalJson({ b: 1, a: [1, undefined, 'x'], c: undefined, A: { z: null, y: true } }), '{"A":{"y":true,"z":null},"a":[1,null,"x"],"b":1}')
  t.throws(() => canonicalJson({ amount: 1.5 / 0 }), /cannot encode Infinity/)
})

t.test('an event’s hash is SHA-256 of its canonical fields, as docs and the offline verifier compute it', async (t) => {
  const fields = {
    prevHash: '0'.repeat(64),
    streamId: 'certificate-0000000001',
    streamPosition: 0,
    eventId: '00000000-0000-4000-8000-000000000001',
    type: 'CertificateIssued',
    schemaVersion: 1,
    data: { number: '0000000001', birthDate: '2015-03-01' },
    metadata: { actor: 'system' },
    recordedAt: new Date(Date.UTC(2024, 0, 10, 9, 30)),
  }
  // Written out by hand in key order: data, eventId, metadata, prevHash, recordedAt, schemaVersion, streamId, streamPosition, type.
  const text =
    '{"data":{"birthDate":"2015-03-01","number":"0000000001"},"eventId":"00000000-0000-4000-8000-000000000001","metadata":{"actor":"system"},' +
    `"prevHash":"${'0'.repeat(64)}","recordedAt":"2024-01-10T09:30:00.000Z","schemaVersion":1,"streamId":"certificate-0000000001","streamPosition":0,"type":"CertificateIssued"}`
  t.equal(eventHash(fields), crypto.createHash('sha256').update(text, 'utf8').digest('hex'))
})
