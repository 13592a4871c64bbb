// The report: one JSON object (--json), or a table of each figure beside its baseline, the ratio and the goal.
import type { AppendReport } from './append.ts'
import type { ThroughputReport } from './command.ts'
import type { PeerReport } from './peer.ts'
import type { RebuildReport } from './rebuild.ts'
import type { ScaleReport } from './scale.ts'

interface MonthCloseReport {
  contracts: number
  seconds: number
  contractsAtTenth: number
  secondsAtTenth: number
  /** seconds / secondsAtTenth: 10 when the close grows linearly with the contracts. */
  growth: number
  contractsWrittenOff: number
  contractsWrittenOffAtTenth: number
  setupSeconds: number
  setupSecondsAtTenth: number
  catchUpSeconds: number
  setupEvents: number
  /** Event store calls of the close of N contracts and the seconds spent in them (where its time goes). */
  storeCalls: Record<string, { calls: number; seconds: number }>
  storeCallsAtTenth: Record<string, { calls: number; seconds: number }>
  /** The close's input (the streams it folded) read raw in the same run: the floor under the close's seconds. */
  rawRead: { streams: number; events: number; seconds: number }
}

interface Machine {
  cpuModel: string
  cpus: number
  totalMemoryMb: number
  node: string
  platform: string
  postgres: string
  loadAverageAtStart: number[]
  loadAverageAtEnd: number[]
}

export interface Goal {
  name: string
  goal: string
  value: string
  /** null when the run's sizes do not allow judging it (e.g. fewer contracts than the goal names). */
  met: boolean | null
}

export interface Report {
  append: AppendReport | null
  /** Ours beside Emmett's PostgreSQL event store, in the same run. */
  peer: PeerReport | null
  command: ThroughputReport | null
  http: (ThroughputReport & { statuses: Record<string, number> }) | null
  rebuild: RebuildReport | null
  monthClose: MonthCloseReport | null
  scale: ScaleReport | null
  peakRssMb: number
  machine: Machine
  options: Record<string, unknown>
  goals: Goal[]
  totalSeconds: number
}

const pct = (r: number) => `${(r * 100).toFixed(1)} %`
const n = (x: number) => x.toLocaleString('en-US').replace(/,/g, ' ')

export function goalsOf(r: Omit<Report, 'goals'>): Goal[] {
  const goals: Goal[] = []
  if (r.append) goals.push({ name: 'append vs raw INSERT', goal: '≥ 60 %', value: pct(r.append.ratio), met: r.append.ratio >= 0.6 })
  // Issue 16's goals (BENCHMARKS.md): HTTP at 1 000 requests/s with p99 under 50 ms, a rebuild at half the raw read,
  // a close of 100 000 contracts under 10 s growing linearly (×10 ± 20 % from N/10), appends on a 3 M log at 95 %.
  if (r.http) {
    goals.push({
      name: 'http requests/s',
      goal: '≥ 1 000 req/s, p99 < 50 ms',
      value: `${n(r.http.perSecond)} req/s, p99 ${r.http.p99Ms} ms`,
      met: r.http.perSecond >= 1000 && r.http.p99Ms < 50,
    })
  }
  if (r.rebuild) goals.push({ name: 'rebuild vs raw read', goal: '≥ 50 %', value: pct(r.rebuild.ratio), met: r.rebuild.ratio >= 0.5 })
  if (r.monthClose) {
    const judged = r.monthClose.contracts >= 100_000
    goals.push({
      name: `month close of ${n(r.monthClose.contracts)}`,
      goal: '< 10 s for 100 000, ×10 ± 20 % from N/10',
      value: `${r.monthClose.seconds} s, ×${r.monthClose.growth}`,
      met: judged ? r.monthClose.seconds < 10 && Math.abs(r.monthClose.growth - 10) <= 2 : null,
    })
  }
  if (r.scale)
    goals.push({ name: `append at ${n(r.scale.logEvents)} events`, goal: '≥ 95 % of empty log', value: pct(r.scale.ratio), met: r.scale.ratio >= 0.95 })
  return goals
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)))
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell + ' '.repeat(widths[c]! - [...cell].length))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** Ours beside the peer: ours as measured, the peer as the baseline, the ratio ours / peer. */
function peerRows(p: PeerReport): string[][] {
  const times = (x: number) => `×${x.toFixed(2)}`
  return [
    [
      `vs peer: append, ${p.writers} writers, 1 event/append`,
      `${n(p.append.ours)} ev/s (p99 ${p.append.oursP99Ms} ms)`,
      `${n(p.append.peer)} ev/s ${p.peer} (p99 ${p.append.peerP99Ms} ms)`,
      times(p.append.ratio),
      'ours / peer',
      '',
    ],
    [
      `vs peer: read a 100-event stream, ${p.writers} readers`,
      `${n(p.readStream.ours)} streams/s (p99 ${p.readStream.oursP99Ms} ms)`,
      `${n(p.readStream.peer)} streams/s ${p.peer} (p99 ${p.readStream.peerP99Ms} ms)`,
      times(p.readStream.ratio),
      'ours / peer',
      '',
    ],
    [
      `vs peer: catch up 1 projection, ${n(p.catchUp.events)} events`,
      `${n(p.catchUp.ours)} ev/s (${p.catchUp.oursSeconds} s)`,
      `${n(p.catchUp.peer)} ev/s ${p.peer} (${p.catchUp.peerSeconds} s)`,
      times(p.catchUp.ratio),
      'ours / peer',
      '',
    ],
  ]
}

const mark = (met: boolean | null | undefined) => (met === true ? '✓' : met === false ? '✗' : '–')

export function humanReport(r: Report): string {
  const goal = (name: string) => r.goals.find((g) => g.name.startsWith(name))
  const rows: string[][] = [['figure', 'measured', 'baseline', 'ratio', 'goal', '']]
  if (r.append) {
    const a = r.append
    const g = goal('append vs')
    rows.push([
      `append, ${a.writers} writers, 1 event/append`,
      `${n(a.eventsPerSecond)} ev/s (p99 ${a.p99Ms} ms)`,
      `${n(a.rawPerSecond)} INSERT/s (p99 ${a.rawP99Ms} ms)`,
      pct(a.ratio),
      `${g!.goal} of raw`,
      mark(g!.met),
    ])
  }
  if (r.peer) rows.push(...peerRows(r.peer))
  if (r.command) {
    const c = r.command
    rows.push([
      `command: contract request, ${c.concurrency} at once`,
      `${n(c.perSecond)} req/s`,
      '',
      '',
      `p50 ${c.p50Ms} ms, p99 ${c.p99Ms} ms${c.errors ? `, ${c.errors} refused` : ''}`,
      '',
    ])
  }
  if (r.http) {
    const h = r.http
    rows.push([
      `http: POST /v1/contracts, ${h.concurrency} connections`,
      `${n(h.perSecond)} req/s`,
      r.command ? `${n(r.command.perSecond)} req/s in-process` : '',
      r.command ? pct(h.perSecond / Math.max(1, r.command.perSecond)) : '',
      `p50 ${h.p50Ms} ms, p99 ${h.p99Ms} ms${h.errors ? `, ${h.errors} not 201` : ''}; goal ${goal('http')!.goal}`,
      mark(goal('http')!.met),
    ])
  }
  if (r.rebuild) {
    const b = r.rebuild
    const g = goal('rebuild vs')
    rows.push([
      `rebuild: ${b.projections.length} projections, ${n(b.events)} events`,
      `${n(b.eventsPerSecond)} ev/s`,
      `${n(b.rawPerSecond)} rows/s cursor`,
      pct(b.ratio),
      `${g!.goal} of raw`,
      mark(g!.met),
    ])
  }
  if (r.monthClose) {
    const m = r.monthClose
    const g = goal('month close')
    rows.push([
      `month close: ${n(m.contracts)} contracts`,
      `${m.seconds} s`,
      `${m.secondsAtTenth} s for ${n(m.contractsAtTenth)}`,
      `×${m.growth}`,
      g!.goal,
      mark(g!.met),
    ])
  }
  if (r.scale) {
    const s = r.scale
    const g = goal('append at')
    rows.push([
      `scale: append on a log of ${n(s.logEvents)}`,
      `${n(s.appendPerSecondLarge)} ev/s (p99 ${s.p99MsLarge} ms)`,
      `${n(s.appendPerSecondEmpty)} ev/s empty (p99 ${s.p99MsEmpty} ms)`,
      pct(s.ratio),
      g!.goal,
      mark(g!.met),
    ])
  }
  rows.push(['peak memory (RSS)', `${n(r.peakRssMb)} MB`, '', '', '', ''])
  const m = r.machine
  const lines = [
    table(rows),
    '',
    `machine: ${m.cpus} × ${m.cpuModel}, ${n(m.totalMemoryMb)} MB, Node ${m.node}, ${m.postgres.split(' on ')[0]}; load average ${m.loadAverageAtStart.join(' ')} at start, ${m.loadAverageAtEnd.join(' ')} at end`,
  ]
  if (r.monthClose) {
    lines.push(
      `month close setup (not in the figure): ${r.monthClose.setupSeconds} s for ${n(r.monthClose.contracts)} contracts (${n(r.monthClose.setupEvents)} events), ${r.monthClose.setupSecondsAtTenth} s for ${n(r.monthClose.contractsAtTenth)}; projection catch-up ${r.monthClose.catchUpSeconds} s`,
    )
  }
  if (r.monthClose?.storeCalls) {
    const calls = (c: Record<string, { calls: number; seconds: number }>) =>
      Object.entries(c)
        .map(([k, v]) => `${k} ${n(v.calls)} calls ${v.seconds} s`)
        .join(', ')
    lines.push(`month close store calls: ${calls(r.monthClose.storeCalls)}; at N/10: ${calls(r.monthClose.storeCallsAtTenth)}`)
  }
  if (r.monthClose?.rawRead) {
    const raw = r.monthClose.rawRead
    lines.push(
      `month close input read raw: ${n(raw.events)} events of the ${n(raw.streams)} streams it folded in ${raw.seconds} s (the close: ${r.monthClose.seconds} s)`,
    )
  }
  if (r.peer)
    lines.push(
      `vs peer (not in the figures): setting up ${n(r.peer.catchUp.contracts)} contracts ${r.peer.catchUp.setupSeconds} s, copying their ${n(r.peer.catchUp.events)} events to the peer ${r.peer.catchUp.copySeconds} s`,
    )
  if (r.rebuild) lines.push(`rebuild: ${r.rebuild.projections.join(', ')} in one pass over the log, ${r.rebuild.seconds} s`)
  if (r.scale) lines.push(`scale: filling the log took ${r.scale.fillSeconds} s`)
  lines.push(`total ${r.totalSeconds} s`)
  return `${lines.join('\n')}\n`
}
