/**
 * The background loop of a follower of the log (the projection runner, the transparency tree's follower): it runs
 * `step` again at once while a step finds work, waits `idleMs` once it has caught up (or until poked), and after an
 * error waits longer each time, up to 30 s, so that an outage is reported rather than flooded.
 */
export class FollowerLoop {
  private stopped = true
  private loop: Promise<void> | null = null
  private wake: (() => void) | null = null

  constructor(
    private readonly step: () => Promise<number>,
    private readonly idleMs: number,
  ) {}

  /** Runs until `stop`; `first` runs once before the first step (its failure is reported and the loop runs on). */
  start(onError: (error: unknown) => void, first?: () => Promise<unknown>): void {
    if (!this.stopped) return
    this.stopped = false
    this.loop = (async () => {
      if (first) await first().catch(onError)
      let errorDelay = 0
      while (!this.stopped) {
        let n = 0
        try {
          n = await this.step()
          errorDelay = 0
        } catch (error) {
          onError(error)
          errorDelay = Math.min(Math.max(errorDelay * 2, 250), 30_000)
        }
        if (n === 0 && !this.stopped) await this.idle(Math.max(this.idleMs, errorDelay))
      }
    })()
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.wake = () => {
        clearTimeout(timer)
        this.wake = null
        resolve()
      }
    })
  }

  /** Asks the loop to look at the log now (after a command, for read-your-writes). */
  poke(): void {
    this.wake?.()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake?.()
    await this.loop
  }
}
