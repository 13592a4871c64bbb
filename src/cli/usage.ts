/** Thrown for a command line that cannot be understood: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export const USAGE = `usage: ledger <command> [options]

commands:
  serve                      run the HTTP API (applies migrations first)
  migrate                    apply the database migrations
  migrate-log --to eventstoredb [--batch-size N]
                             copy the PostgreSQL log into the EventStoreDB of EVENTSTORE_CONNECTION_STRING,
                             ids, order and hashes kept; safe to run again, it skips what is there
  tokens create --role ROLE [--provider ID] [--payer ID] [--label TEXT] [--expires DATE]
                             create an API token and print it alone on stdout
                             (ROLE: operator, payer, provider, auditor, reporting; from DATE on
                             it no longer works)
  tokens list [--all] [--json]
                             the tokens that authenticate (--all: revoked and expired too), never
                             the tokens themselves
  tokens revoke TOKEN_ID     revoke a token at once
  quote --group-start D --group-end D --start D [--end D] --price A --normative A --balance A
                             the exact contract quote (amounts like 9000.00); no database needed
  quote --stdin              one JSON request per line in, one JSON result per line out
  import payments --file STATEMENT
                             a 1CClientBankExchange bank statement: payment orders matched to invoices
                             by the invoice number in their purpose, each recorded once
  import certificates|providers|payers|programmes|groups --file FILE
                             bulk import of a registry (CSV, header row); rejected rows listed with
                             their line; running it again on the same file records nothing new
  projections run [--once]   feed the read models from the log (serve runs this too)
  projections status         each projection's checkpoint and lag behind the log
  projections rebuild [NAME] rebuild from the first event; readers switch once it has caught up
  replay --as-of DATE | --position N [--certificate NUMBER] [--projection NAME]
                             answer from the log as it was then
  settle --municipality M --month YYYY-MM [--closed-on DATE]
                             close a month: write-offs, final and advance invoices, closures
  simulate --scenario NAME [--seed N] [--scale X] [--json]
                             a municipality's school year through the commands (tambov-2023,
                             michurinsk-2020), then what a payer and a support centre see
  export --municipality M --from DATE --to DATE --out FILE
                             the municipality's events as NDJSON with hashes, and FILE.manifest.json
  verify --file FILE [--key KEY] [--since CHECKPOINT_FILE] [--json]
                             verify a file of ledger export offline, with no database: with the ledger's
                             published key, its signed checkpoint and every event at its leaf; with
                             --since, that an earlier checkpoint is a prefix of it
  verify [--json] [--skip-projections]
                             check every hash chain, schema, money invariant and projection; exit 1
                             naming the first disagreement
  keys create --out FILE [--name NAME]
                             a key to sign the transparency log's checkpoints; prints its public key
  transparency checkpoint|checkpoints|proof|consistency|key|status|rebuild
                             the transparency log: signed checkpoints, inclusion and consistency
                             proofs (\`ledger transparency --help\`)
  witness CHECKPOINT_FILE… [--key KEY] [--export FILE]
                             check checkpoints kept over time: each signed, each consistent with the
                             one before; says when the ledger forked or rewrote history
  help [COMMAND]             print this text, or one command's part of it (also: ledger COMMAND --help)

configuration comes from the environment: see README.md`

/** One command's part of USAGE: its lines and their continuations; undefined for a command USAGE does not name. */
export function commandUsage(name: string): string | undefined {
  const lines = USAGE.split('\n')
  const picked: string[] = []
  let inside = false
  for (const line of lines) {
    if (/^ {2}\S/.test(line)) inside = line.slice(2).split(/\s/)[0] === name
    else if (!/^ {3,}\S/.test(line)) inside = false
    if (inside) picked.push(line)
  }
  return picked.length ? `usage: ledger ${name} [options]\n\n${picked.join('\n')}\n\nconfiguration comes from the environment: see README.md` : undefined
}
