import type { EventData } from '../../events/index.ts'
import type { IsoDate, IsoMonth } from '../domain/dates.ts'
import {
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type FoldEvent,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../store/port.ts'
import { Application, type CommandContext } from './context.ts'
import { type ContractLister, closeMonth, type MonthCloseOutcome } from './month-close.ts'

// A preview of a month's close: the close's own code (src/app/month-close.ts) run against a scratch store that reads
// the ledger and keeps what the close would append in memory, then forgets it. Nothing is written; what the preview
// shows is exactly what closing the month now would record (unless the ledger changes in between).

/** What closing the month now would do. */
export interface MonthClosePreview {
  outcome: MonthCloseOutcome
  writeOffs: EventData<'CertificateFundsWrittenOff'>[]
  finalInvoices: EventData<'FinalInvoiceIssued'>[]
  advanceInvoices: EventData<'AdvanceInvoiceIssued'>[]
  expiredRequests: EventData<'ContractRefused'>[]
  closedContracts: EventData<'ContractClosed'>[]
  /** Every event the close would append, by type. */
  eventCounts: Record<string, number>
}

export async function previewMonthClose(
  store: EventStore,
  ctx: CommandContext,
  input: { municipality: string; month: IsoMonth; closedOn: IsoDate },
  listContracts: ContractLister,
): Promise<MonthClosePreview> {
  const scratch = new ScratchStore(store)
  // A key would record the command in the scratch store only; without one the close runs as it would for a client.
  const outcome = await closeMonth(new Application(scratch), { ...ctx, metadata: { ...ctx.metadata, idempotencyKey: null } }, input, listContracts)
  const of = <T extends string>(type: T) => scratch.appended.filter((e) => e.type === type).map((e) => e.data) as EventData<T & never>[]
  const eventCounts: Record<string, number> = {}
  for (const e of scratch.appended) eventCounts[e.type] = (eventCounts[e.type] ?? 0) + 1
  return {
    outcome,
    writeOffs: of('CertificateFundsWrittenOff') as never,
    finalInvoices: of('FinalInvoiceIssued') as never,
    advanceInvoices: of('AdvanceInvoiceIssued') as never,
    expiredRequests: (of('ContractRefused') as EventData<'ContractRefused'>[]).filter((r) => r.by === 'system') as never,
    closedContracts: of('ContractClosed') as never,
    eventCounts,
  }
}

const SCRATCH_POSITIONS = 1n << 62n

/** The ledger's store to read, with appends kept in memory on top of it: nothing reaches the ledger. */
class ScratchStore implements EventStore {
  readonly appended: (NewEvent & { streamId: string })[] = []
  private readonly pending = new Map<string, RecordedEvent[]>()

  constructor(private readonly base: EventStore) {}

  async streamVersion(streamId: string): Promise<number | null> {
    const base = await this.base.streamVersion(streamId)
    const extra = this.pending.get(streamId)?.length ?? 0
    return extra === 0 ? base : (base ?? -1) + extra
  }

  async append(streamId: string, events: NewEvent[], options: { expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    const actual = await this.streamVersion(streamId)
    const expected = options.expectedVersion
    if ((expected === 'no_stream' && actual !== null) || (typeof expected === 'number' && expected !== actual)) {
      throw new WrongExpectedVersionError(streamId, expected, actual)
    }
    const list = this.pending.get(streamId) ?? []
    this.pending.set(streamId, list)
    const positions: AppendResult['positions'] = []
    let next = actual === null ? 0 : actual + 1
    for (const e of events) {
      const globalPosition = SCRATCH_POSITIONS + BigInt(this.appended.length)
      list.push({ ...e, streamId, streamPosition: next, globalPosition, transactionId: globalPosition, recordedAt: new Date(), prevHash: '', hash: '' })
      this.appended.push({ ...e, streamId })
      positions.push({ eventId: e.eventId, streamPosition: next, globalPosition })
      next++
    }
    return { streamId, nextExpectedVersion: next - 1, positions, alreadyAppended: false }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    let base: RecordedEvent[] = []
    try {
      base = await this.base.readStream(streamId, options)
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error
    }
    const from = options.from ?? 0
    const extra = (this.pending.get(streamId) ?? []).filter((e) => e.streamPosition >= from && (options.to === undefined || e.streamPosition <= options.to))
    const all = [...base, ...extra].slice(0, options.limit ?? Number.MAX_SAFE_INTEGER)
    if (all.length === 0 && (await this.streamVersion(streamId)) === null) throw new StreamNotFoundError(streamId)
    return all
  }

  async readStreamToFold(streamId: string, from: number): Promise<FoldEvent[]> {
    let base: FoldEvent[] = []
    try {
      base = await this.base.readStreamToFold(streamId, from)
    } catch (error) {
      if (!(error instanceof StreamNotFoundError) || !this.pending.has(streamId)) throw error
    }
    return [...base, ...(this.pending.get(streamId) ?? []).filter((e) => e.streamPosition >= from)]
  }

  readAll: EventStore['readAll'] = (o) => this.base.readAll(o)
  readTouching: EventStore['readTouching'] = (s, b) => this.base.readTouching(s, b)
  subscribeToAll: EventStore['subscribeToAll'] = (o) => this.base.subscribeToAll(o)
  positionOf: EventStore['positionOf'] = (p) => this.base.positionOf(p)
  countAfter: EventStore['countAfter'] = (p, o) => this.base.countAfter(p, o)
}
