import { type LedgerEvent, upcast, validateEventData } from '../../events/index.ts'
import { PROJECTIONS } from '../../projections/index.ts'
import { applyBatch, createGeneration, dumpGeneration, readCheckpoint, tableInfo } from '../../projections/postgres.ts'
import { RowSet } from '../../projections/rows.ts'
import { activeSchema, MAX_KEPT_ROWS, stoppedProjections } from '../../projections/runner.ts'
import type { Projection, Row } from '../../projections/types.ts'
import type { Sql } from '../db/database.ts'
import { type CertificateState, certificateDecider, moneyIn, type PeriodMoney } from '../domain/certificate.ts'
import { eventHash, GENESIS_HASH } from '../store/hash.ts'
import { compareLogPositions, type EventStore, LOG_START, type LogPosition, type RecordedEvent } from '../store/port.ts'
import { TreeAudit } from '../transparency/audit.ts'
import type { VerifierKey } from '../transparency/note.ts'

// `ledger verify`: an auditor's check of everything the ledger claims, from the log itself. One pass over the
// global log recomputes every stream's hash chain and positions, validates every event against its schema version
// and folds the money; then the postings and every projection are compared with what the log says.

export interface Problem {
  check: 'chain' | 'schema' | 'money' | 'invoice' | 'postings' | 'projection' | 'tree' | 'checkpoint'
  detail: string
  streamId?: string
  streamPosition?: number
  eventId?: string
  globalPosition?: string
  expected?: string
  found?: string
}

export interface VerifyReport {
  ok: boolean
  events: number
  streams: number
  checks: Record<string, { checked: number; problems: number }>
  /** The first disagreement found, in the order of the checks; null when everything holds. */
  firstProblem: Problem | null
  problems: Problem[]
}

export interface VerifyOptions {
  /** Skip the comparison of projections with a fresh replay (the slowest check). */
  skipProjections?: boolean
  onProgress?: (events: number) => void
  /** Keep at most this many problems in the report. */
  maxProblems?: number
  /** The ledger's verifier key, to check the signatures of the kept checkpoints (their roots are checked without it). */
  verifier?: VerifierKey | null
}

// biome-ignore lint/suspicious/noExplicitAny: event data read by field name, checked against the schemas first
type D = Record<string, any>

async function snapshotPostings(sql: Sql): Promise<{ checkpoint: LogPosition; accounts: Map<string, number> } | null> {
  const postings = await activeSchema(sql, 'ledger-postings').catch(() => null)
  if (!postings) return null
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('projection:ledger-postings'))`
    const checkpoint = await readCheckpoint(tx, postings.schema)
    const rows = await tx.unsafe<{ account: string; balance: string }[]>(`
      SELECT account, sum(v)::text AS balance FROM (
        SELECT debit_account AS account, amount AS v FROM ${postings.schema}.postings
        UNION ALL SELECT credit_account, -amount FROM ${postings.schema}.postings) m GROUP BY account`)
    return { checkpoint, accounts: new Map(rows.map((r) => [r.account, Number(r.balance)])) }
  })
}

/**
 * The checks one event at a time, in commit order: chain and positions per stream, schema, money, invoices. Used on
 * the database's log and on an exported file alike.
 */
export class LogChecks {
  readonly problems: Problem[] = []
  readonly checks: VerifyReport['checks'] = {}
  readonly heads = new Map<string, { position: number; hash: string }>()
  readonly money = new Map<string, { nominal: number; reserved: number; spent: number }>()
  private readonly invoices = new Map<string, { due: number; paid: number; number: string; issuedOn: string }>()
  private readonly orders = new Map<string, string>()
  private readonly rules = new MoneyRules()
  private readonly certificates = new CertificateFolds()
  events = 0

  constructor(private readonly max = 100) {}

  count = (check: string, n = 1) => {
    ;(this.checks[check] ??= { checked: 0, problems: 0 }).checked += n
  }

  problem = (p: Problem) => {
    ;(this.checks[p.check] ??= { checked: 0, problems: 0 }).problems++
    if (this.problems.length < this.max) this.problems.push(p)
  }

  add(e: RecordedEvent): void {
    const at = { streamId: e.streamId, streamPosition: e.streamPosition, eventId: e.eventId, globalPosition: e.globalPosition.toString() }
    this.events++
    // The chain: contiguous positions, each prevHash the hash before it, each hash its own content's.
    this.count('chain')
    const head = this.heads.get(e.streamId)
    const expectedPosition = head ? head.position + 1 : 0
    if (e.streamPosition !== expectedPosition) {
      this.problem({
        check: 'chain',
        ...at,
        detail: 'stream positions are not contiguous (an event is missing)',
        expected: `position ${expectedPosition}`,
        found: `position ${e.streamPosition}`,
      })
    }
    const expectedPrev = head ? head.hash : GENESIS_HASH
    if (e.prevHash !== expectedPrev)
      this.problem({ check: 'chain', ...at, detail: 'prev_hash is not the hash of the event before it', expected: expectedPrev, found: e.prevHash })
    const recomputed = eventHash(e)
    if (recomputed !== e.hash)
      this.problem({ check: 'chain', ...at, detail: 'the event was altered: its content does not hash to its hash', expected: recomputed, found: e.hash })
    this.heads.set(e.streamId, { position: e.streamPosition, hash: e.hash })

    this.count('schema')
    const issues = validateEventData(e.type, e.schemaVersion, e.data)
    if (issues.length > 0) {
      this.problem({
        check: 'schema',
        ...at,
        detail: `${e.type} v${e.schemaVersion} does not validate: ${issues[0]}`,
        expected: 'data valid against its schema version',
        found: JSON.stringify(e.data).slice(0, 200),
      })
      return
    }
    const problem = (detail: string, expected: string, found: string, check: Problem['check'] = 'money') =>
      this.problem({ check, ...at, detail, expected, found })
    this.rules.check(upcast(e), problem, this.money)
    foldMoney(e, this.certificates, this.money, this.invoices, problem, this.count, this.orders)
  }

  report(): VerifyReport {
    return {
      ok: this.problems.length === 0,
      events: this.events,
      streams: this.heads.size,
      checks: this.checks,
      firstProblem: this.problems[0] ?? null,
      problems: this.problems,
    }
  }
}

export async function verifyLedger(sql: Sql, store: EventStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const log = new LogChecks(options.maxProblems ?? 100)
  const { count, problem } = log
  // The postings projection is compared with the money as of its own checkpoint, read with its accounts in one
  // transaction under the projection's lock, so a runner moving on meanwhile is no disagreement.
  const postings = await snapshotPostings(sql)
  const postingsCheckpoint = postings?.checkpoint ?? LOG_START
  const moneyAtCheckpoint = new Map<string, { nominal: number; reserved: number; spent: number }>()
  const certificatesAtCheckpoint = new CertificateFolds()
  const quiet = () => {}
  const replays = options.skipProjections ? null : await ProjectionReplays.start(sql, PROJECTIONS)
  // The transparency log: the tree against the log, every kept checkpoint's signature and root.
  const tree = await TreeAudit.start(sql, options.verifier ?? null, problem, count)
  try {
    let position: LogPosition = LOG_START
    const end = await store.committedEnd?.()
    for (;;) {
      const page = await store.readAll({ after: position, limit: 10_000, ...(end ? { end } : {}) })
      for (const e of page.events) {
        log.add(e)
        if (compareLogPositions({ transactionId: e.transactionId, globalPosition: e.globalPosition }, postingsCheckpoint) <= 0) {
          foldMoney(e, certificatesAtCheckpoint, moneyAtCheckpoint, new Map(), quiet, quiet)
        }
      }
      await replays?.feed(page.events)
      await tree.feed(page.events)
      position = page.position
      options.onProgress?.(log.events)
      if (page.caughtUp) break
    }
    await tree.finish()
    // Projections: each equals the replay of the log up to its own checkpoint.
    await replays?.compare(count, problem)
    // A projection stopped at an event it cannot apply is behind the log, whatever its rows say.
    for (const f of await stoppedProjections(sql)) {
      count('projection')
      problem({
        check: 'projection',
        detail: `projection ${f.name} stopped at an event it cannot apply (${f.attempts} attempts since ${f.since}): ${f.error}`,
        streamId: f.streamId,
        eventId: f.eventId,
        globalPosition: f.globalPosition,
        expected: 'the event applied',
        found: 'stopped',
      })
    }
  } finally {
    await replays?.drop()
  }

  // Postings (each one a debit and a credit of the same amount): every certificate account equals the
  // certificate's money from the log, up to the projection's checkpoint.
  if (postings) {
    const accounts = postings.accounts
    for (const [key, m] of moneyAtCheckpoint) {
      const [n, period] = key.split('|')
      for (const [part, value] of [
        ['available', m.nominal - m.reserved - m.spent],
        ['reserved', m.reserved],
        ['spent', m.spent],
      ] as const) {
        count('postings')
        const account = `certificate:${n}:${period}:${part}`
        const found = accounts.get(account) ?? 0
        if (found !== value)
          problem({
            check: 'postings',
            detail: `account ${account} differs from the certificate's money in the log`,
            expected: String(value),
            found: String(found),
          })
      }
    }
  }

  return log.report()
}

/**
 * Each certificate's money folded by the certificate decider's own `evolve` — verify's reading, independent of the
 * table the read side shares (src/domain/certificate-money.ts), so a mistake in that table shows as a disagreement
 * between the postings (or the projections) and this fold.
 */
class CertificateFolds {
  private readonly states = new Map<string, CertificateState>()

  /** Folds an event of a certificate stream; when it names a period, that period's money after it. */
  fold(e: RecordedEvent): { periodId: string; money: PeriodMoney } | null {
    if (!e.streamId.startsWith('certificate-')) return null
    const event = { type: e.type, data: upcast(e).data } as LedgerEvent
    const d = event.data as D
    if (typeof d.certificateNumber !== 'string') return null
    const state = certificateDecider.evolve(this.states.get(d.certificateNumber) ?? certificateDecider.initialState(), event)
    this.states.set(d.certificateNumber, state)
    return typeof d.periodId === 'string' ? { periodId: d.periodId, money: moneyIn(state, d.periodId) } : null
  }
}

function foldMoney(
  e: RecordedEvent,
  certificates: CertificateFolds,
  money: Map<string, { nominal: number; reserved: number; spent: number }>,
  invoices: Map<string, { due: number; paid: number; number: string; issuedOn: string }>,
  problem: (detail: string, expected: string, found: string, check?: 'money' | 'invoice') => void,
  count: (check: string) => void,
  /** `payer|year|order` → the payment (not reversed) that used the payment order number. */
  orders: Map<string, string> = new Map(),
) {
  const d = upcast(e).data as D
  const moved = certificates.fold(e)
  if (moved) {
    const v = moved.money
    money.set(`${d.certificateNumber}|${moved.periodId}`, { nominal: v.nominal, reserved: v.reserved, spent: v.spent })
    count('money')
    const balance = v.nominal - v.reserved - v.spent
    if (balance < 0 || v.reserved < 0 || v.spent < 0) {
      problem(
        `certificate ${d.certificateNumber}, period ${d.periodId}: balance = nominal − reserved − spent must stay ≥ 0`,
        'balance ≥ 0, reserved ≥ 0, spent ≥ 0',
        `nominal ${v.nominal}, reserved ${v.reserved}, spent ${v.spent}, balance ${balance}`,
      )
    }
  }
  if (e.type === 'FinalInvoiceIssued' || e.type === 'AdvanceInvoiceIssued') {
    count('invoice')
    const final = e.type === 'FinalInvoiceIssued'
    const lines =
      (d.lines as D[]).reduce((s, l) => s + (final ? l.lineAmount : l.amount), 0) + (final ? (d.corrections as D[]).reduce((s, c) => s + c.amount, 0) : 0)
    if (lines !== d.total) problem(`invoice ${d.number}: the total is not the sum of its lines`, String(lines), String(d.total), 'invoice')
    if (final && d.amountDue !== d.total - d.advanceDeducted)
      problem(`invoice ${d.number}: due is not total − advance`, String(d.total - d.advanceDeducted), String(d.amountDue), 'invoice')
    invoices.set(d.invoiceId, { due: final ? d.amountDue : d.total, paid: 0, number: d.number, issuedOn: d.issuedOn })
  }
  if (e.type === 'PaymentRecorded' || e.type === 'PaymentReversed') {
    count('invoice')
    const i = invoices.get(d.invoiceId)
    if (!i) return problem(`a payment of an invoice that was never issued: ${d.invoiceId}`, 'an issued invoice', 'none', 'invoice')
    i.paid += e.type === 'PaymentRecorded' ? d.amount : -d.amount
    if (i.paid > Math.max(i.due, 0)) problem(`invoice ${i.number}: payments exceed the invoice`, `at most ${i.due}`, String(i.paid), 'invoice')
    if (e.type === 'PaymentRecorded' && d.paidOn < i.issuedOn) {
      problem(
        `invoice ${i.number}: payment ${d.paymentId} is dated before the invoice was issued`,
        `paid on or after ${i.issuedOn}`,
        `paid on ${d.paidOn}`,
        'invoice',
      )
    }
    if (e.type === 'PaymentRecorded') {
      const key = `${d.payerId}|${d.paidOn.slice(0, 4)}|${d.paymentOrder}`
      const holder = orders.get(key)
      if (holder !== undefined && holder !== d.paymentId) {
        problem(
          `payer ${d.payerId}: payment order № ${d.paymentOrder} of ${d.paidOn.slice(0, 4)} used for two payments`,
          `one payment (${holder})`,
          `also ${d.paymentId}`,
          'invoice',
        )
      }
      orders.set(key, d.paymentId)
    } else {
      for (const [key, paymentId] of orders) if (paymentId === d.reversesPaymentId) orders.delete(key)
    }
  }
}

/**
 * Every money event against the rule that allows it, from the events before it (not through the deciders): a
 * nominal credited is its period's nominal, once while the certificate holds none; a write-off is the contract's
 * schedule for that month, once; a reservation is the contract's certificate part; a refund is the shortfall of a
 * line (or correction) of a final invoice, once. A forged event with a valid chain is named here.
 */
class MoneyRules {
  private readonly municipalityOf = new Map<string, string>()
  private readonly nominals = new Map<string, number>()
  private readonly schedules = new Map<string, Map<string, number>>()
  private readonly reservedFor = new Map<string, number>()
  private readonly writtenOff = new Set<string>()
  private readonly shortfalls = new Map<string, number>()
  private readonly refunded = new Set<string>()

  check(e: { type: string; data: unknown }, problem: (detail: string, expected: string, found: string) => void, money: Map<string, { nominal: number }>) {
    const d = e.data as D
    switch (e.type) {
      case 'FinancingPeriodOpened':
        this.nominals.set(`${d.municipality}|${d.periodId}`, d.nominal)
        return
      case 'CertificateIssued':
        this.municipalityOf.set(d.certificateNumber, d.municipality)
        return
      case 'NominalCredited': {
        const nominal = this.nominals.get(`${this.municipalityOf.get(d.certificateNumber)}|${d.periodId}`)
        if (nominal !== d.amount)
          problem(
            `certificate ${d.certificateNumber}: a nominal credited for period ${d.periodId} is not that period's nominal`,
            String(nominal ?? 'a period of its municipality'),
            String(d.amount),
          )
        const held = money.get(`${d.certificateNumber}|${d.periodId}`)?.nominal ?? 0
        if (held > 0)
          problem(`certificate ${d.certificateNumber}: a nominal credited for period ${d.periodId} while it holds one`, 'no nominal held', `${held} held`)
        return
      }
      case 'CertificateFundsReserved':
        this.reservedFor.set(d.contractId, (this.reservedFor.get(d.contractId) ?? 0) + d.amount)
        return
      case 'ContractRequested': {
        this.schedules.set(d.contractId, new Map((d.schedule as D[]).map((s) => [s.month as string, s.certificate as number])))
        const reserved = this.reservedFor.get(d.contractId) ?? 0
        if (reserved !== d.quote.certificate)
          problem(
            `contract ${d.contractId}: reserved on certificate ${d.certificateNumber} is not the contract's certificate part`,
            String(d.quote.certificate),
            String(reserved),
          )
        return
      }
      case 'CertificateFundsWrittenOff': {
        const scheduled = this.schedules.get(d.contractId)?.get(d.month)
        if (scheduled !== d.amount)
          problem(
            `certificate ${d.certificateNumber}: the write-off of ${d.month} for contract ${d.contractId} is not the contract's schedule`,
            String(scheduled ?? 'a month of the contract'),
            String(d.amount),
          )
        const key = `${d.contractId}|${d.month}`
        if (this.writtenOff.has(key)) problem(`certificate ${d.certificateNumber}: ${d.month} of contract ${d.contractId} written off twice`, 'once', 'twice')
        this.writtenOff.add(key)
        return
      }
      case 'CertificateWriteOffReturned':
        if (!this.writtenOff.delete(`${d.contractId}|${d.month}`))
          problem(`certificate ${d.certificateNumber}: ${d.month} of contract ${d.contractId} returned without being written off`, 'a write-off', 'none')
        return
      case 'FinalInvoiceIssued':
        for (const l of d.lines as D[]) this.shortfalls.set(`${d.invoiceId}|${l.contractId}|${l.month}|`, l.monthAmount - l.lineAmount)
        for (const c of d.corrections as D[]) this.shortfalls.set(`${d.invoiceId}|${c.contractId}|${c.month}|${c.correctionId}`, -c.amount)
        return
      case 'ShortfallRefunded': {
        const key = `${d.invoiceId}|${d.contractId}|${d.month}|${d.correctionId ?? ''}`
        const shortfall = this.shortfalls.get(key)
        if (shortfall !== d.amount)
          problem(
            `certificate ${d.certificateNumber}: a refund of ${d.month} for contract ${d.contractId} is not the shortfall of invoice ${d.invoiceId}`,
            String(shortfall ?? 'a line below 100 %'),
            String(d.amount),
          )
        if (this.refunded.has(key))
          problem(`certificate ${d.certificateNumber}: the shortfall of ${d.month} for contract ${d.contractId} refunded twice`, 'once', 'twice')
        this.refunded.add(key)
        return
      }
    }
  }
}

const keyOf = (row: Row, pk: string[]) => pk.map((k) => String(row[k])).join('|')

/**
 * Every projection against a fresh replay of the log up to its own checkpoint: fed page by page during the same
 * pass over the log as the other checks, into a scratch generation of each, then compared row by row.
 */
class ProjectionReplays {
  private constructor(
    private readonly sql: Sql,
    private readonly targets: { projection: Projection; live: string; checkpoint: LogPosition; scratch: string; rows: RowSet | undefined }[],
  ) {}

  static async start(sql: Sql, projections: readonly Projection[]): Promise<ProjectionReplays> {
    const targets = []
    for (const projection of projections) {
      const name = projection.name.replaceAll('-', '_')
      const scratch = `verify_${name}_${process.pid}`
      const copy = `verify_live_${name}_${process.pid}`
      // The live tables are copied with their checkpoint in one transaction under the projection's lock: the
      // runner may move on while the replay runs without that showing as a disagreement.
      const checkpoint = await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtext(${`projection:${projection.name}`}))`
        const live = (await activeSchema(tx as unknown as Sql, projection.name)).schema
        await tx.unsafe(`DROP SCHEMA IF EXISTS ${copy} CASCADE; CREATE SCHEMA ${copy}`)
        for (const table of projection.tables) {
          await tx.unsafe(`CREATE TABLE ${copy}.${table} (LIKE ${live}.${table} INCLUDING ALL); INSERT INTO ${copy}.${table} SELECT * FROM ${live}.${table}`)
        }
        return readCheckpoint(tx, live)
      })
      await sql.begin((tx) => createGeneration(tx, projection, scratch))
      // The scratch generation is written by this replay alone: its rows stay in memory between batches.
      targets.push({ projection, live: copy, checkpoint: checkpoint as LogPosition, scratch, rows: new RowSet(true) })
    }
    return new ProjectionReplays(sql, targets)
  }

  async feed(events: readonly RecordedEvent[]): Promise<void> {
    for (const t of this.targets) {
      const upTo = events.filter((e) => compareLogPositions({ transactionId: e.transactionId, globalPosition: e.globalPosition }, t.checkpoint) <= 0)
      if (upTo.length === 0) continue
      const last = upTo[upTo.length - 1]!
      // Events their schemas refuse are left out, as the runner leaves them out (the schema check names each).
      await this.sql.begin((tx) =>
        applyBatch(tx, t.projection, t.scratch, upTo, { transactionId: last.transactionId, globalPosition: last.globalPosition }, t.rows),
      )
      if (t.rows && t.rows.size > MAX_KEPT_ROWS) t.rows = undefined
    }
  }

  async compare(count: (check: string, n?: number) => void, problem: (p: Problem) => void): Promise<void> {
    for (const t of this.targets) {
      const expected = await dumpGeneration(this.sql, t.projection, t.scratch)
      const found = await dumpGeneration(this.sql, t.projection, t.live)
      for (const table of t.projection.tables) {
        const pk = (await tableInfo(this.sql, t.live, table)).primaryKey
        const want = new Map(expected[table]!.map((r) => [keyOf(r, pk), r]))
        const have = new Map(found[table]!.map((r) => [keyOf(r, pk), r]))
        count('projection', want.size)
        for (const [key, row] of want) {
          const other = have.get(key)
          if (JSON.stringify(other) !== JSON.stringify(row)) {
            problem({
              check: 'projection',
              detail: `${t.projection.name}.${table} row ${key} differs from a replay of the log`,
              expected: JSON.stringify(row),
              found: other ? JSON.stringify(other) : 'no row',
            })
          }
        }
        for (const [key, row] of have) {
          if (!want.has(key))
            problem({
              check: 'projection',
              detail: `${t.projection.name}.${table} has a row ${key} the log does not explain`,
              expected: 'no row',
              found: JSON.stringify(row),
            })
        }
      }
    }
  }

  async drop(): Promise<void> {
    for (const t of this.targets) await this.sql.unsafe(`DROP SCHEMA IF EXISTS ${t.scratch} CASCADE; DROP SCHEMA IF EXISTS ${t.live} CASCADE`)
  }
}
