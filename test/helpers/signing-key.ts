import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createSigningKeyFile } from '../../src/transparency/keys.ts'

interface Teardown {
  teardown(fn: () => unknown): void
}

/** A signing key file for the transparency log's checkpoints, removed when the test ends: `serve` on a server needs one. */
export function signingKeyEnv(t: Teardown, name = 'test/ledger'): { LEDGER_SIGNING_KEY_FILE: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-key-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'signing-key')
  createSigningKeyFile(file, name)
  return { LEDGER_SIGNING_KEY_FILE: file }
}
