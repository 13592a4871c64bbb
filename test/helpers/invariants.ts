import type { EventStore, LogPosition, RecordedEvent } from '../../src/store/port.ts'

/**
 * Money and consistency checks over a whole log, computed straight from the events (not through the ledger's
 * deciders), so a test fails when a decider lets a rule slip.
 */
export interface LedgerFigures {
  /** `${certificate}|${period}` → nominal, reserved, spent, balance (kopecks). */
  money: Map<string, { nominal: number; reserved: number; spent: number; balance: number }>
  /** groupId → contract ids holding a place. */
  places: Map<string, Set<string>>
  /** contractId → certificate part recorded in ContractRequested. */
  contracts: Map<string, { certificate: number; groupId: string; status: string; certificateNumber: string }>
  /** contractId → still reserved on its certificate. */
  reservedByContract: Map<string, number>
  /** contractId → written off to spent by month closes. */
  writtenOffByContract: Map<string, number>
  /** `${municipality}|${period}` → holders of financing places. */
  financingPlaces: Map<string, Set<string>>
}

export function figures(events: readonly RecordedEvent[]): LedgerFigures {
  const f: LedgerFigures = {
    money: new Map(),
    places: new Map(),
    contracts: new Map(),
    reservedByContract: new Map(),
    writtenOffByContract: new Map(),
    financingPlaces: new Map(),
  }
  const m = (certificate: string, period: string) => {
    const key = `${certificate}|${period}`
    let v = f.money.get(key)
    if (!v) f.money.set(key, (v = { nominal: 0, reserved: 0, spent: 0, balance: 0 }))
    return v
  }
  for (const e of events) {
    // biome-ignore lint/suspicious/noExplicitAny: event data of many types, read by field name
    const d = e.data as Record<string, any>
    switch (e.type) {
      case 'NominalCredited':
        m(d.certificateNumber, d.periodId).nominal += d.amount
        break
      case 'CertificateTypeChanged':
        m(d.certificateNumber, d.periodId).nominal -= d.nominalWithdrawn
        break
      case 'CertificateFrozen':
        m(d.certificateNumber, d.periodId).nominal -= d.balanceWithdrawn
        break
      case 'CertificateFundsReserved':
        m(d.certificateNumber, d.periodId).reserved += d.amount
        f.reservedByContract.set(d.contractId, (f.reservedByContract.get(d.contractId) ?? 0) + d.amount)
        break
      case 'CertificateReservationReleased':
        m(d.certificateNumber, d.periodId).reserved -= d.amount
        f.reservedByContract.set(d.contractId, (f.reservedByContract.get(d.contractId) ?? 0) - d.amount)
        break
      case 'CertificateFundsWrittenOff':
        m(d.certificateNumber, d.periodId).reserved -= d.amount
        m(d.certificateNumber, d.periodId).spent += d.amount
        f.reservedByContract.set(d.contractId, (f.reservedByContract.get(d.contractId) ?? 0) - d.amount)
        f.writtenOffByContract.set(d.contractId, (f.writtenOffByContract.get(d.contractId) ?? 0) + d.amount)
        break
      case 'ShortfallRefunded':
        m(d.certificateNumber, d.periodId).spent -= d.amount
        break
      case 'CertificateWriteOffReturned':
        m(d.certificateNumber, d.periodId).spent -= d.amount
        f.writtenOffByContract.set(d.contractId, (f.writtenOffByContract.get(d.contractId) ?? 0) - d.amount)
        break
      case 'GroupPlaceTaken': {
        const s = f.places.get(d.groupId) ?? new Set<string>()
        s.add(d.contractId)
        f.places.set(d.groupId, s)
        break
      }
      case 'GroupPlaceReleased':
        f.places.get(d.groupId)?.delete(d.contractId)
        break
      case 'ContractRequested': {
        const data = e.data as { contractId: string; quote: { certificate: number }; groupId: string; certificateNumber: string }
        f.contracts.set(data.contractId, {
          certificate: data.quote.certificate,
          groupId: data.groupId,
          status: 'requested',
          certificateNumber: data.certificateNumber,
        })
        break
      }
      case 'ContractAccepted':
        f.contracts.get(d.contractId)!.status = 'accepted'
        break
      case 'ContractRefused':
        f.contracts.get(d.contractId)!.status = 'refused'
        break
      case 'ContractTerminated':
        f.contracts.get(d.contractId)!.status = 'terminated'
        break
      case 'ContractClosed':
        f.contracts.get(d.contractId)!.status = 'closed'
        break
      case 'FinancingPlaceTaken': {
        const key = `${d.municipality}|${d.periodId}`
        const s = f.financingPlaces.get(key) ?? new Set<string>()
        s.add(d.certificateNumber)
        f.financingPlaces.set(key, s)
        break
      }
      case 'FinancingPlaceReleased':
        f.financingPlaces.get(`${d.municipality}|${d.periodId}`)?.delete(d.certificateNumber)
        break
    }
  }
  for (const v of f.money.values()) v.balance = v.nominal - v.reserved - v.spent
  return f
}

/** Every broken invariant, in words; empty when the log is sound. */
export function violations(events: readonly RecordedEvent[], limits: { capacity?: Map<string, number> } = {}): string[] {
  const f = figures(events)
  const out: string[] = []
  for (const [key, v] of f.money) {
    if (v.balance < 0) out.push(`certificate|period ${key}: balance ${v.balance} below zero`)
    if (v.reserved < 0 || v.nominal < 0) out.push(`certificate|period ${key}: negative ${JSON.stringify(v)}`)
  }
  const heldPlaces = new Set([...f.places.values()].flatMap((s) => [...s]))
  for (const [contractId, c] of f.contracts) {
    const running = c.status === 'requested' || c.status === 'accepted' || c.status === 'terminated'
    if (running && !heldPlaces.has(contractId)) out.push(`contract ${contractId} (${c.status}) holds no place`)
    const held = (f.reservedByContract.get(contractId) ?? 0) + (f.writtenOffByContract.get(contractId) ?? 0)
    if (c.status !== 'terminated' && running && held !== c.certificate) {
      out.push(`contract ${contractId} reserves and spent ${held}, its quote says ${c.certificate}`)
    }
    if (c.status === 'refused' && (f.reservedByContract.get(contractId) ?? 0) !== 0) out.push(`refused contract ${contractId} still reserves money`)
  }
  for (const [groupId, holders] of f.places) {
    for (const contractId of holders) if (!f.contracts.has(contractId)) out.push(`group ${groupId}: place of ${contractId} without a contract`)
    const cap = limits.capacity?.get(groupId)
    if (cap !== undefined && holders.size > cap) out.push(`group ${groupId}: ${holders.size} places taken of ${cap}`)
  }
  for (const [contractId, amount] of f.reservedByContract) {
    if (amount !== 0 && !f.contracts.has(contractId)) out.push(`money reserved for ${contractId} without a contract`)
  }
  return out
}

/**
 * Every committed event of the log, in commit order. Events committed while a transaction elsewhere on the server
 * (another test's database) still runs are not readable yet — the reader never skips them, it waits — so this
 * waits for them too, up to 30 s, rather than check a log with its last events missing.
 */
export async function wholeLog(store: Pick<EventStore, 'readAll'> & Partial<Pick<EventStore, 'countAfter'>>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = []
  let after: LogPosition | undefined
  const deadline = Date.now() + 30_000
  for (;;) {
    const page = await store.readAll({ after, limit: 5000 })
    all.push(...page.events)
    after = page.position
    if (!page.caughtUp) continue
    if (!store.countAfter || Date.now() > deadline || (await store.countAfter(page.position, { max: 1, includeUnreadable: true })) === 0) return all
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
