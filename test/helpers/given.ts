import type { Test } from 'tap'
import type { LedgerEvent } from '../../events/index.ts'
import { type Decider, fold } from '../../src/domain/decider.ts'
import { DomainError } from '../../src/domain/errors.ts'

type Asserts = Pick<Test, 'same' | 'fail' | 'equal'>

/** given(events).when(command).then(events) / .refuses(code): a decider specification, no database. */
export function given<C, S>(t: Asserts, decider: Decider<C, S>, history: LedgerEvent[]) {
  return {
    when(command: C) {
      const run = () => decider.decide(command, fold(decider, history))
      return {
        // biome-ignore lint/suspicious/noThenProperty: given/when/then is the deciders' specification style (not a thenable)
        then(expected: LedgerEvent[], message?: string) {
          t.same(run(), expected, message ?? 'emits the expected events')
        },
        refuses(code: string, message?: string) {
          try {
            const events = run()
            t.fail(`${message ?? code}: expected a refusal, got ${JSON.stringify(events.map((e) => e.type))}`)
          } catch (error) {
            if (!(error instanceof DomainError)) throw error
            t.equal(error.code, code, message ?? `refused with ${code}`)
          }
        },
      }
    },
  }
}

export const e = <T extends LedgerEvent['type']>(type: T, data: Extract<LedgerEvent, { type: T }>['data']) => ({ type, data }) as LedgerEvent
