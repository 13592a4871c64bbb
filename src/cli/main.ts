import { StatementFormatError } from '../app/bank-statement.ts'
import { ImportFileError } from '../app/import.ts'
import { ConfigError } from '../config/config.ts'
import { exportCommand } from './commands/export.ts'
import { importCommand } from './commands/import.ts'
import { keysCommand } from './commands/keys.ts'
import { migrateCommand } from './commands/migrate.ts'
import { migrateLogCommand } from './commands/migrate-log.ts'
import { projectionsCommand } from './commands/projections.ts'
import { quoteCommand } from './commands/quote.ts'
import { replayCommand } from './commands/replay.ts'
import { serveCommand } from './commands/serve.ts'
import { settleCommand } from './commands/settle.ts'
import { simulateCommand } from './commands/simulate.ts'
import { tokensCommand } from './commands/tokens.ts'
import { transparencyCommand } from './commands/transparency.ts'
import { verifyCommand } from './commands/verify.ts'
import { witnessCommand } from './commands/witness.ts'
import { commandUsage, USAGE, UsageError } from './usage.ts'

// biome-ignore lint/suspicious/noConfusingVoidType: a command either returns its exit code or nothing (0)
type Command = (args: string[]) => Promise<number | void>

const commands: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  'migrate-log': migrateLogCommand,
  tokens: tokensCommand,
  quote: quoteCommand,
  import: importCommand,
  projections: projectionsCommand,
  replay: replayCommand,
  settle: settleCommand,
  simulate: simulateCommand,
  verify: verifyCommand,
  export: exportCommand,
  keys: keysCommand,
  transparency: transparencyCommand,
  witness: witnessCommand,
  help: async ([name]) => {
    const text = name ? commandUsage(name) : USAGE
    if (!text) throw new UsageError(`unknown command ${JSON.stringify(name)}; run \`ledger help\``)
    process.stdout.write(`${text}\n`)
  },
}

/** Commands that print a help of their own, fuller than their part of USAGE. */
const OWN_HELP = new Set(['export', 'replay', 'keys', 'transparency', 'witness'])

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`)
    return name ? 0 : 2
  }
  const command = commands[name]
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; run \`ledger help\``)
  // Each command answers --help with its own part of the usage, before it looks at any other option (those with a
  // fuller help of their own print it themselves).
  if (!OWN_HELP.has(name) && (args.includes('--help') || args.includes('-h'))) {
    process.stdout.write(`${commandUsage(name) ?? USAGE}\n`)
    return 0
  }
  return (await command(args)) ?? 0
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  // One line, no stack: the caller is a person at a terminal or a script checking the exit code.
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`ledger: ${message.split('\n')[0]}\n`)
  process.exitCode =
    error instanceof UsageError || error instanceof ConfigError || error instanceof ImportFileError || error instanceof StatementFormatError ? 2 : 1
}

// The command is done and has closed what it opened, so nothing should keep the process alive. The PostgreSQL
// driver can still open a connection after its pool ended — a reconnect it scheduled while the database was away
// is not cancelled by end() — and that idle connection kept a stopped server running after a database restart.
// An unref'd timer fires only if something like that holds the event loop.
setTimeout(() => {
  process.stderr.write('ledger: still running 3 s after the command ended (a connection left open by the database driver); exiting\n')
  process.exit()
}, 3000).unref()
