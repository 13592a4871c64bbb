import type { Decider } from '../domain/decider.ts'
import type { Application, CommandContext } from './context.ts'

/**
 * A process: a command's work under one id, in steps that each append to one stream. A step's events take their ids
 * from `${id}:${name}`, so running the process again after a crash finishes what is missing and writes nothing twice
 * (architecture.md, "Invariants live inside one stream"); after each step comes the fault point `${kind}:${name}`
 * (its first word), where a test can crash the process. Step ids are the ones the ledger always used: a process
 * interrupted on older code resumes on newer.
 */
export class Process {
  constructor(
    private readonly app: Application,
    readonly ctx: CommandContext,
    /** What the process does, for its fault points: `contract-request`, `month-close`, … */
    readonly kind: string,
    readonly id: string,
  ) {}

  /** One step; `options.expectedVersion` for the step a caller's If-Match names, `point` to name its fault point. */
  async step<Command, State>(
    decider: Decider<Command, State>,
    streamId: string,
    name: string,
    command: Command,
    options: { expectedVersion?: number | 'no_stream'; point?: string } = {},
  ) {
    const { point, ...runOptions } = options
    const result = await this.app.aggregates.runStep(decider, streamId, name === '' ? this.id : `${this.id}:${name}`, command, this.ctx.metadata, runOptions)
    this.app.faults(`${this.kind}:${point ?? name.split(':')[0]}`)
    return result
  }

  /** The work of another command this one runs (its own steps, its own ids): with this process as its cause. */
  nested(): CommandContext {
    return { metadata: { ...this.ctx.metadata, idempotencyKey: null, causationId: this.id } }
  }
}
