/** A request waiting for its batch, with what settles it. */
export interface Pending<Request, Result> {
  request: Request
  resolve(result: Result): void
  reject(error: unknown): void
}

export interface BatcherOptions<Request, Result> {
  /** Batches running at once; what arrives meanwhile waits and goes out together in the next one. */
  maxInFlight: number
  maxBatch: number
  /** Requests with the same key never share a batch nor run beside each other (appends to one stream). */
  keyOf?: (request: Request) => string
  /** Runs a batch and settles every request of it. */
  run(batch: Pending<Request, Result>[]): Promise<void>
}

/**
 * Group commit: requests made while earlier ones are in flight are sent together, so many concurrent commands
 * cost one round trip and one commit instead of one each. A request made alone goes out at once, with no delay.
 */
export class Batcher<Request, Result> {
  private queue: Pending<Request, Result>[] = []
  private inFlight = 0
  private readonly busy = new Set<string>()
  private scheduled = false

  constructor(private readonly options: BatcherOptions<Request, Result>) {}

  submit(request: Request): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ request, resolve, reject })
      if (this.scheduled) return
      // Requests made in the same turn of the event loop share the first batch.
      this.scheduled = true
      queueMicrotask(() => {
        this.scheduled = false
        this.pump()
      })
    })
  }

  private pump() {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch: Pending<Request, Result>[] = []
      const waiting: Pending<Request, Result>[] = []
      const keys = new Set<string>()
      for (const p of this.queue) {
        const key = this.options.keyOf?.(p.request)
        if (batch.length >= this.options.maxBatch || (key !== undefined && (keys.has(key) || this.busy.has(key)))) {
          waiting.push(p)
        } else {
          batch.push(p)
          if (key !== undefined) keys.add(key)
        }
      }
      if (batch.length === 0) return
      this.queue = waiting
      for (const k of keys) this.busy.add(k)
      this.inFlight++
      this.options
        .run(batch)
        // A batch that failed as a whole fails each request still unsettled (settling twice does nothing).
        .catch((error: unknown) => {
          for (const p of batch) p.reject(error)
        })
        .finally(() => {
          for (const k of keys) this.busy.delete(k)
          this.inFlight--
          this.pump()
        })
    }
  }
}
