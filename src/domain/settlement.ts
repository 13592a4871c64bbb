import type { EventData } from '../../events/index.ts'
import { addMonths, firstDayOfMonth, type IsoDate, type IsoMonth, lastDayOfMonth } from './dates.ts'
import { type Decider, event } from './decider.ts'
import { refuse } from './errors.ts'
import { type Kopecks, mulDivHalfUp } from './money.ts'

// The monthly cycle's arithmetic (domain.md, "Monthly cycle") and the settlement stream `settlement-{m}`,
// which decides that months close one after the other.

/** At most 80 % of the month's certificate amount, half-up to the kopeck. */
export const ADVANCE_PERCENT = 80

export function advanceAmount(monthAmount: Kopecks, percent = ADVANCE_PERCENT): Kopecks {
  if (!Number.isInteger(percent) || percent < 0 || percent > ADVANCE_PERCENT) refuse('amount_invalid', `an advance is at most ${ADVANCE_PERCENT} %`)
  return mulDivHalfUp(monthAmount, percent, 100)
}

export interface Attendance {
  lessonsPlanned: number
  lessonsCancelledByProvider: number
  providerCompletenessBp: number | null
}

/**
 * What a contract month earns: 100 % unless lessons were cancelled by the provider, then (planned − cancelled) /
 * planned; the provider may lower it further. The line is the month's amount times that, half-up to the kopeck;
 * completeness is shown in basis points, rounded down.
 */
export function settleMonth(monthAmount: Kopecks, attendance: Attendance | null): { completenessBp: number; lineAmount: Kopecks } {
  if (!attendance) return { completenessBp: 10000, lineAmount: monthAmount }
  const delivered = attendance.lessonsPlanned - attendance.lessonsCancelledByProvider
  const byLessons = { numerator: delivered, denominator: attendance.lessonsPlanned }
  const bp = attendance.providerCompletenessBp
  // the lower of the two fractions: delivered/planned against bp/10000
  const useProvider = bp !== null && bp * attendance.lessonsPlanned < delivered * 10000
  const [numerator, denominator] = useProvider ? [bp!, 10000] : [byLessons.numerator, byLessons.denominator]
  return {
    completenessBp: Math.floor((numerator * 10000) / denominator),
    lineAmount: mulDivHalfUp(monthAmount, numerator, denominator),
  }
}

export interface SettlementState {
  municipality: string | null
  lastClosed: IsoMonth | null
  /** What each close recorded, by month. */
  closed: Record<IsoMonth, EventData<'MonthClosed'>>
}

export type SettlementCommand = { type: 'RecordMonthClosed' } & EventData<'MonthClosed'>

/** Months close in order; December closes within December (its final invoice closes the budget year). */
export function checkCloseable(state: SettlementState, month: IsoMonth, closedOn: IsoDate): void {
  if (state.lastClosed !== null && month <= state.lastClosed) refuse('month_already_closed', `${month} is already closed (last closed: ${state.lastClosed})`)
  if (state.lastClosed !== null && month !== addMonths(state.lastClosed, 1)) {
    refuse('month_out_of_order', `close ${addMonths(state.lastClosed, 1)} before ${month}: months close in order`)
  }
  if (month.endsWith('-12')) {
    if (closedOn < firstDayOfMonth(month) || closedOn > lastDayOfMonth(month)) {
      refuse('close_date_invalid', `December closes within December, so its final invoice falls in the budget year; ${closedOn} is outside ${month}`)
    }
  } else if (closedOn < firstDayOfMonth(addMonths(month, 1))) {
    refuse('close_date_invalid', `${month} can be closed from ${firstDayOfMonth(addMonths(month, 1))}, not on ${closedOn}`)
  }
}

export const settlementDecider: Decider<SettlementCommand, SettlementState> = {
  initialState: () => ({ municipality: null, lastClosed: null, closed: {} }),
  evolve: (state, e) =>
    e.type === 'MonthClosed' ? { municipality: e.data.municipality, lastClosed: e.data.month, closed: { ...state.closed, [e.data.month]: e.data } } : state,
  decide(command, state) {
    checkCloseable(state, command.month, command.closedOn)
    const { type: _, ...data } = command
    return [event('MonthClosed', data)]
  },
}
