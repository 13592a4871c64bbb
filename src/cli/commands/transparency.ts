import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { checkpointPolicy, originOf, signingKeyOf } from '../../transparency/keys.ts'
import { TransparencyError, TransparencyLog } from '../../transparency/service.ts'
import { listCheckpoints, resetTree, TreeFollower, treeState } from '../../transparency/tree.ts'
import { openRuntime } from '../runtime.ts'
import { UsageError } from '../usage.ts'

const USAGE = `usage: ledger transparency <action> [options]
  checkpoint [--sign] [--out FILE]   the latest signed checkpoint (a C2SP signed note); --sign makes one of the
                                     tree as it stands now (needs the signing key); --out writes it to FILE
  checkpoints [--from SIZE]          every kept checkpoint from a tree size on, one JSON line each
  proof EVENT_ID [--size N]          the event's inclusion proof against a checkpoint (default the latest), JSON
  consistency --from M [--to N]      a consistency proof that the tree of M leaves is a prefix of the tree of N, JSON
  key                                the verifier key auditors check signatures with (name+hash+base64)
  status                             the tree's size and the latest checkpoint
  rebuild                            rebuild the tree from the log (the signed checkpoints stay, for verify)`

const size = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const eventId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'EVENT_ID must be a lower-case UUID')

function parse(rest: string[]) {
  try {
    return parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        sign: { type: 'boolean' },
        out: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        size: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const r = schema.safeParse(value)
  if (!r.success) throw new UsageError(`${name}: ${r.error.issues[0]!.message}`)
  return r.data
}

/** `ledger transparency …`: checkpoints, proofs and the key from the command line, as the API gives them. */
export async function transparencyCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args
  const { values, positionals } = parse(rest)
  if (!action || action === '--help' || action === '-h' || values.help) {
    process.stdout.write(`${USAGE}\n`)
    return action ? 0 : 2
  }
  if (!['checkpoint', 'checkpoints', 'proof', 'consistency', 'key', 'status', 'rebuild'].includes(action))
    throw new UsageError(`transparency: unknown action ${JSON.stringify(action)}; run \`ledger transparency --help\``)
  const from = values.from === undefined ? undefined : check(size, values.from, '--from')
  const to = values.to === undefined ? undefined : check(size, values.to, '--to')
  const at = values.size === undefined ? undefined : check(size, values.size, '--size')
  const id = action === 'proof' ? check(eventId, positionals[0], 'EVENT_ID') : undefined
  if (action === 'consistency' && from === undefined) throw new UsageError('transparency consistency needs --from M')
  const runtime = await openRuntime()
  try {
    const config = runtime.config
    const signing = values.sign || action === 'key' ? signingKeyOf(config) : null
    const follower = new TreeFollower(runtime.db.sql, runtime.store)
    const policy = signing ? checkpointPolicy(config, signing.key) : null
    const log = new TransparencyLog(runtime.db.sql, signing?.key.verifier ?? null, originOf(config), follower, policy)
    const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
    try {
      switch (action) {
        case 'checkpoint': {
          const c = values.sign ? await log.fresh() : await log.latest()
          if (!c) throw new TransparencyError('no_checkpoint', 'the ledger has signed no checkpoint yet; `ledger transparency checkpoint --sign` makes one')
          if (values.out) fs.writeFileSync(values.out, c.note)
          out(c.note)
          return 0
        }
        case 'checkpoints':
          for (const c of await listCheckpoints(runtime.db.sql, { from: from ?? 0, limit: 1_000_000 }))
            out(JSON.stringify({ treeSize: c.size, root: c.root.toString('hex'), createdAt: c.createdAt.toISOString(), note: c.note }))
          return 0
        case 'proof':
          out(JSON.stringify(await log.inclusion(id!, at), null, 2))
          return 0
        case 'consistency':
          out(JSON.stringify(await log.consistency(from!, to), null, 2))
          return 0
        case 'key':
          out(signing!.key.verifier.text)
          return 0
        case 'status': {
          await follower.catchUp()
          const latest = await log.latest()
          out(
            `tree: ${(await treeState(runtime.db.sql)).size} leaves; latest checkpoint: ${latest ? `${latest.size} leaves, ${latest.createdAt.toISOString()}` : 'none'}`,
          )
          return 0
        }
        default: {
          await resetTree(runtime.db.sql)
          const n = await follower.catchUp()
          out(`tree rebuilt from the log: ${n} leaves`)
          return 0
        }
      }
    } catch (error) {
      if (error instanceof TransparencyError) throw new UsageError(error.message)
      throw error
    }
  } finally {
    await runtime.close()
  }
}
