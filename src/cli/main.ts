import { commandUsage, USAGE, UsageError } from './usage.ts'

// biome-ignore lint/suspicious/noConfusingVoidType: a command either returns its exit code or nothing (0)
type Command = (args: string[]) => Promise<number | void>

// Each command's module is loaded only when it runs: the server's (fastify, the workspace, PDF and XLSX writers)
// takes most of a second to load, and a `ledger verify` or `ledger tokens list` should not wait for it.
const commands: Record<string, Command> = {
  serve: async (args) => (await import('./commands/serve.ts')).serveCommand(args),
  migrate: async (args) => (await import('./commands/migrate.ts')).migrateCommand(args),
  'migrate-log': async (args) => (await import('./commands/migrate-log.ts')).migrateLogCommand(args),
  tokens: async (args) => (await import('./commands/tokens.ts')).tokensCommand(args),
  quote: async (args) => (await import('./commands/quote.ts')).quoteCommand(args),
  import: async (args) => (await import('./commands/import.ts')).importCommand(args),
  projections: async (args) => (await import('./commands/projections.ts')).projectionsCommand(args),
  replay: async (args) => (await import('./commands/replay.ts')).replayCommand(args),
  settle: async (args) => (await import('./commands/settle.ts')).settleCommand(args),
  simulate: async (args) => (await import('./commands/simulate.ts')).simulateCommand(args),
  verify: async (args) => (await import('./commands/verify.ts')).verifyCommand(args),
  export: async (args) => (await import('./commands/export.ts')).exportCommand(args),
  keys: async (args) => (await import('./commands/keys.ts')).keysCommand(args),
  transparency: async (args) => (await import('./commands/transparency.ts')).transparencyCommand(args),
  witness: async (args) => (await import('./commands/witness.ts')).witnessCommand(args),
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

/**
 * Errors in what the caller gave (arguments, configuration, an import file, a bank statement): exit code 2. By name,
 * because their modules are loaded only with the commands that throw them (each class sets its name).
 */
const BAD_INPUT = new Set([UsageError.name, 'ConfigError', 'ImportFileError', 'StatementFormatError'])

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  // One line, no stack: the caller is a person at a terminal or a script checking the exit code.
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`ledger: ${message.split('\n')[0]}\n`)
  process.exitCode = error instanceof Error && BAD_INPUT.has(error.name) ? 2 : 1
}

// The command is done and has closed what it opened, so nothing should keep the process alive. The PostgreSQL
// driver can still open a connection after its pool ended — a reconnect it scheduled while the database was away
// is not cancelled by end() — and that idle connection kept a stopped server running after a database restart.
// An unref'd timer fires only if something like that holds the event loop.
setTimeout(() => {
  process.stderr.write('ledger: still running 3 s after the command ended (a connection left open by the database driver); exiting\n')
  process.exit()
}, 3000).unref()
