#!/usr/bin/env node
// Guards postgres.js's `nextWrite` against a socket that is already gone (porsager/postgres#1154, #1208; the
// guards #1168 and #1209 are not merged, 3.4.9 is the newest release). Unguarded, a write scheduled with
// setImmediate — typically the ROLLBACK that `sql.begin` sends after a query failed because the server went
// away — dereferences `socket = null` outside any promise: an uncaughtException that kills the ledger when
// PostgreSQL stops or restarts under load. Guarded, that write fails its queries with CONNECTION_CLOSED like
// every other write to a closed connection, and the pool reconnects as usual.
//
// Run by `npm ci` (postinstall). Idempotent; stops with exit 1 when the file no longer looks as expected (a new
// release changed it: check whether it fixed the bug, then update or remove this patch).
//   node scripts/patch-postgres.mjs [--check] [PACKAGE_DIR]
// --check changes nothing and exits 1 unless the package is patched.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const MARKER = 'pfdo-ledger patch: nextWrite on a closed socket'

const ORIGINAL = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)
    nextWriteTimer !== null && clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null
    return x
  }
`

// Returns true, not false: the write did not stall on backpressure, and a false would make a transaction's
// handler move this closed connection to the pool's "full" queue, where it would never be used again.
const PATCHED = `  function nextWrite(fn) {
    // ${MARKER} (porsager/postgres#1208): closed() already set socket to null
    // and failed what was in flight; fail whatever was written since the same way instead of throwing.
    if (!socket) {
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return true
    }
    const x = socket.write(chunk, fn)
    nextWriteTimer !== null && clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null
    return x
  }
`

/** The builds of the driver that carry connection.js: ESM (what the ledger imports), CommonJS, Cloudflare. */
const BUILDS = ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']

export class PatchError extends Error {}

/** Patches (or with `check`, inspects) every build in the package; returns one line per file. */
export function patchPostgres(packageDir, { check = false } = {}) {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'))
  if (manifest.name !== 'postgres') throw new PatchError(`${packageDir} is not the postgres package (name ${manifest.name})`)
  const lines = []
  let found = 0
  for (const build of BUILDS) {
    const file = path.join(packageDir, build)
    if (!fs.existsSync(file)) continue
    found++
    const text = fs.readFileSync(file, 'utf8')
    if (text.includes(PATCHED)) {
      lines.push(`${file}: already patched`)
      continue
    }
    const where = text.indexOf(ORIGINAL)
    if (where < 0 || text.indexOf(ORIGINAL, where + 1) >= 0 || text.includes(MARKER) || !/\bErrors\b/.test(text.slice(0, where))) {
      throw new PatchError(
        `${file} (postgres ${manifest.version}) no longer contains the one unguarded nextWrite this patch expects; ` +
          'see whether the release fixed porsager/postgres#1208, then update or remove scripts/patch-postgres.mjs',
      )
    }
    if (check) throw new PatchError(`${file} (postgres ${manifest.version}) is not patched: run node scripts/patch-postgres.mjs`)
    fs.writeFileSync(file, text.slice(0, where) + PATCHED + text.slice(where + ORIGINAL.length))
    lines.push(`${file}: patched nextWrite (postgres ${manifest.version})`)
  }
  if (found === 0) throw new PatchError(`${packageDir} has none of ${BUILDS.join(', ')}`)
  return lines
}

/** The postgres package the ledger resolves from the repository root. */
export function installedPackageDir() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  // The package exports only its entry points: find cjs/src/index.js and go up to the package.
  const entry = createRequire(path.join(root, 'package.json')).resolve('postgres')
  return path.resolve(path.dirname(entry), '../..')
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const check = args.includes('--check')
  const dir = args.find((a) => a !== '--check')
  try {
    for (const line of patchPostgres(dir ? path.resolve(dir) : installedPackageDir(), { check })) process.stdout.write(`patch-postgres: ${line}\n`)
  } catch (error) {
    process.stderr.write(`patch-postgres: ${error instanceof PatchError ? error.message : error}\n`)
    process.exitCode = 1
  }
}
