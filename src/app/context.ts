import type { EventData } from '../../events/index.ts'
import type { Caller } from '../auth/tokens.ts'
import { type Decider, event } from '../domain/decider.ts'
import { DomainError, type DomainErrorCode } from '../domain/errors.ts'
import { canonicalJson } from '../store/hash.ts'
import type { EventMetadata, EventStore } from '../store/port.ts'
import { Aggregates } from './aggregates.ts'
import { sha256, uuidFromName } from './ids.ts'
import { streams } from './streams.ts'

/** Who and what a command runs for: the metadata its events carry, and an optional If-Match version. */
export interface CommandContext {
  metadata: EventMetadata
  /** The API caller a command acts for, whose tenant scope it is checked against (src/app/scope.ts); none for internal work. */
  caller?: Caller | null
  /** The version the caller last saw of the command's main stream (HTTP If-Match); a mismatch is a conflict. */
  expectedVersion?: number | 'no_stream'
}

/** The outcome of a command: the main stream it changed and that stream's version after it (the ETag). */
export interface CommandOutcome {
  streamId: string
  version: number | null
}

/**
 * The application's services: the aggregates (load, decide, append) and, for tests, a hook called between the
 * steps of a process so a crash can be simulated at each of them.
 */
export class Application {
  readonly aggregates: Aggregates
  constructor(
    readonly store: EventStore,
    readonly faults: (point: string) => void = () => {},
  ) {
    this.aggregates = new Aggregates(store)
  }
}

/** Metadata of an internal actor (the month close, an import) when no HTTP caller is behind a command. */
export function systemMetadata(actor: string, correlationId: string, idempotencyKey: string | null = null): EventMetadata {
  return { actor: `system:${actor}`, correlationId, causationId: null, idempotencyKey }
}

interface IdempotencyState {
  /** The command of the key's latest attempt. */
  accepted: EventData<'CommandAccepted'> | null
  /** How many attempts the key had: a refused one frees it for the next. */
  attempts: number
  /** The latest attempt was refused by a rule: what it was refused for. */
  refused: EventData<'CommandRefused'> | null
}

type IdempotencyCommand = ({ type: 'Accept' } & EventData<'CommandAccepted'>) | ({ type: 'Refuse' } & EventData<'CommandRefused'>)

const idempotencyDecider: Decider<IdempotencyCommand, IdempotencyState> = {
  initialState: () => ({ accepted: null, attempts: 0, refused: null }),
  evolve(state, e) {
    if (e.type === 'CommandAccepted') return { accepted: e.data, attempts: state.attempts + 1, refused: null }
    if (e.type === 'CommandRefused') return { ...state, refused: e.data }
    return state
  },
  decide: ({ type, ...data }) => [
    type === 'Accept' ? event('CommandAccepted', data as EventData<'CommandAccepted'>) : event('CommandRefused', data as EventData<'CommandRefused'>),
  ],
}

/**
 * Makes a command idempotent by the client's key: the first use records the command, a hash of its body and the
 * process id its work is done under; a retry with the same key and body runs the same process again, which
 * finds every step already done and returns the first result; the same key with another body is refused.
 * A command refused by a rule does not consume its key: the refusal is recorded; the same body sent again is
 * answered with that refusal (as Stripe answers a retry with its first response), and a corrected body runs as a new
 * attempt under a process id of its own. Without a key the command runs once under a fresh process id. `run` learns
 * whether this is a retry.
 */
export async function idempotent<T>(
  app: Application,
  ctx: CommandContext,
  command: string,
  body: unknown,
  processIdFor: (key: string | null) => string,
  run: (processId: string, isRetry: boolean) => Promise<T>,
): Promise<T> {
  const key = ctx.metadata.idempotencyKey
  if (!key) return run(processIdFor(null), false)
  // Keys are the caller's own: another caller's key never collides with them.
  const scopedKey = `${callerScope(ctx.metadata.actor)}\u0000${key}`
  const commandHash = sha256(canonicalJson({ command, body }))
  const stream = idempotencyStreamOf(ctx.metadata)!
  const keyId = `idempotency:${sha256(scopedKey)}`
  const before = await app.aggregates.load(idempotencyDecider, stream)
  const refused = before.state.refused
  if (refused && refused.command === command && refused.commandHash === commandHash) throw new DomainError(refused.code as DomainErrorCode, refused.message)
  // The first attempt keeps the ids keys always had; an attempt after a refusal gets its own.
  const attempt = before.state.refused ? before.state.attempts : Math.max(before.state.attempts - 1, 0)
  const stepId = attempt === 0 ? keyId : `${keyId}#${attempt}`
  const step = await app.aggregates.runStep(
    idempotencyDecider,
    stream,
    stepId,
    { type: 'Accept', command, commandHash, processId: processIdFor(attempt === 0 ? scopedKey : `${scopedKey}#${attempt}`) },
    ctx.metadata,
  )
  const accepted = step.events[0]!.data as EventData<'CommandAccepted'>
  if (accepted.command !== command || accepted.commandHash !== commandHash) {
    throw new DomainError('idempotency_key_reused', `the idempotency key was already used for another ${accepted.command === command ? 'body' : 'command'}`)
  }
  try {
    // On a retry the checks made before the first run may fail now that the command took effect; the steps,
    // already done, return what they recorded.
    return await run(accepted.processId, step.alreadyDone)
  } catch (error) {
    // Only the attempt that ran first records its refusal: a retry of a command that took effect keeps the key bound.
    if (error instanceof DomainError && !step.alreadyDone) {
      await app.aggregates.runStep(
        idempotencyDecider,
        stream,
        `${stepId}:refused`,
        { type: 'Refuse', command, commandHash, code: error.code, message: error.message.slice(0, 2000) },
        ctx.metadata,
      )
    }
    throw error
  }
}

/** The scope of a caller's idempotency keys: its token (role:tokenId), or `system` for internal work. */
const callerScope = (actor: string) => (actor.startsWith('system:') ? 'system' : actor)

/** The stream recording the first use of a command's idempotency key (keys are scoped by caller); null without a key. */
export function idempotencyStreamOf(metadata: EventMetadata): string | null {
  if (!metadata.idempotencyKey) return null
  return streams.idempotency(sha256(`${callerScope(metadata.actor)}\u0000${metadata.idempotencyKey}`))
}

/** A process id derived from the key when there is one, random otherwise. */
export const processIdFrom = (prefix: string) => (key: string | null) => (key ? uuidFromName(`${prefix}:${key}`) : crypto.randomUUID())
