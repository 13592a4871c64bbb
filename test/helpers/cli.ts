import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const bin = path.join(repoRoot, 'bin/ledger.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The environment of a CLI run: only what the test sets, plus PATH and HOME. */
function cliEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env }
}

/** Runs `ledger ...args` as a user would, to completion. */
export function runCli(args: string[], env: Record<string, string | undefined>, input?: string): Promise<CliResult> {
  return runNode([bin, ...args], cliEnv(env), input)
}

/** Runs node with these arguments in the repository, to completion, with exactly this environment. */
export function runNode(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(input ?? '')
  })
}

/** Starts `ledger ...args` and leaves it running; the caller stops it. */
export function startCli(args: string[], env: Record<string, string | undefined>): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
}
