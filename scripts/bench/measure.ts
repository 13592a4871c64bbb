// Small measuring tools shared by the phases: a bounded worker pool, latency percentiles, a memory sampler and
// progress lines on stderr.

/** Runs `work` on every item with at most `concurrency` in flight; rejects with the first error. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      await work(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}

/** Nearest-rank percentile of latencies in milliseconds (sorted here), rounded to 0.01 ms; 0 for none. */
export function percentile(latencies: number[], p: number): number {
  if (latencies.length === 0) return 0
  const sorted = Float64Array.from(latencies).sort()
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return round2(sorted[rank - 1]!)
}

export const round2 = (x: number) => Math.round(x * 100) / 100
export const round1 = (x: number) => Math.round(x * 10) / 10
export const seconds = (startedMs: number) => (performance.now() - startedMs) / 1000

/** Latencies and a count of operations done in a time window. */
export interface Run {
  operations: number
  seconds: number
  latencies: number[]
}

export function rate(run: Run): number {
  return run.seconds > 0 ? Math.round(run.operations / run.seconds) : 0
}

/**
 * `writers` loops, each calling `op(writer, i)` (its i-th operation) until `durationSeconds` have passed; every
 * operation's latency is recorded.
 */
export async function timedLoops(writers: number, durationSeconds: number, op: (writer: number, i: number) => Promise<void>): Promise<Run> {
  const latencies: number[] = []
  const started = performance.now()
  const deadline = started + durationSeconds * 1000
  let operations = 0
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now()
        await op(w, i)
        latencies.push(performance.now() - t0)
        operations++
      }
    }),
  )
  return { operations, seconds: seconds(started), latencies }
}

/** The process's peak resident memory: the kernel's maxRSS and a 100 ms sampler (whichever saw more). */
export class MemorySampler {
  private peak = process.memoryUsage().rss
  private readonly timer = setInterval(() => {
    this.peak = Math.max(this.peak, process.memoryUsage().rss)
  }, 100)

  constructor() {
    this.timer.unref()
  }

  peakMb(): number {
    const kernel = process.resourceUsage().maxRSS * 1024
    return Math.round(Math.max(this.peak, kernel, process.memoryUsage().rss) / (1024 * 1024))
  }

  stop() {
    clearInterval(this.timer)
  }
}

/** Progress on stderr, only when it is a terminal; one line rewritten in place. */
export function progress(text: string): void {
  if (!process.stderr.isTTY) return
  process.stderr.write(`\r\x1b[K${text}`)
}

export function progressDone(text: string): void {
  if (!process.stderr.isTTY) return
  process.stderr.write(`\r\x1b[K${text}\n`)
}
