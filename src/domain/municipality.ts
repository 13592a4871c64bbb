import type { IsoDate } from './dates.ts'
import { type Decider, event } from './decider.ts'
import { refuse } from './errors.ts'
import type { Kopecks } from './money.ts'

/**
 * Stream `municipality-{id}`: the municipality's financing periods, its population figures, and for each period
 * the financing places (the cap) and the first-come queue for them. The cap is decided here, in one stream,
 * so no two certificates can take the last place.
 */
export interface FinancingPeriod {
  periodId: string
  startDate: IsoDate
  endDate: IsoDate
  nominal: Kopecks
  financingCap: number
  nominalLimit: Kopecks | null
  payerId: string
  /** Certificates holding a financing place, in the order they took it. */
  holders: Set<string>
  /** Certificates waiting for a place, first come first served. */
  queue: string[]
}

export interface MunicipalityState {
  municipality: string | null
  periods: Map<string, FinancingPeriod>
  population: Map<number, number>
}

export type MunicipalityCommand =
  | {
      type: 'OpenFinancingPeriod'
      municipality: string
      periodId: string
      startDate: IsoDate
      endDate: IsoDate
      nominal: Kopecks
      financingCap: number
      nominalLimit: Kopecks | null
      payerId: string
    }
  | { type: 'RecordPopulation'; municipality: string; year: number; children5to18: number }
  | { type: 'TakeFinancingPlace'; periodId: string; certificateNumber: string; on: IsoDate; queueIfFull: boolean }
  | { type: 'ReleaseFinancingPlace'; periodId: string; certificateNumber: string; on: IsoDate; reason: 'type_changed' | 'frozen' }
  | { type: 'LeaveQueue'; periodId: string; certificateNumber: string; on: IsoDate }

function hasFreePlace(p: FinancingPeriod): boolean {
  return p.holders.size < p.financingCap && (p.nominalLimit === null || (p.holders.size + 1) * p.nominal <= p.nominalLimit)
}

export function periodOf(state: MunicipalityState, periodId: string): FinancingPeriod {
  const period = state.periods.get(periodId)
  if (!period) return refuse('period_not_found', `municipality ${state.municipality ?? '?'} has no financing period ${periodId}`)
  return period
}

/** The period whose dates contain a date, if any. */
export function periodContaining(state: MunicipalityState, date: IsoDate): FinancingPeriod | undefined {
  for (const p of state.periods.values()) if (p.startDate <= date && date <= p.endDate) return p
  return undefined
}

/** A period opens once, with its dates in order, and never overlaps another period of the municipality. */
function openFinancingPeriod(state: MunicipalityState, command: Extract<MunicipalityCommand, { type: 'OpenFinancingPeriod' }>) {
  const { type: _, ...data } = command
  if (state.periods.has(command.periodId)) {
    return refuse('period_already_open', `period ${command.periodId} of ${command.municipality} is already open`)
  }
  if (command.endDate < command.startDate) {
    return refuse('period_dates_invalid', `the period ends (${command.endDate}) before it starts (${command.startDate})`)
  }
  for (const p of state.periods.values()) {
    if (p.startDate <= command.endDate && command.startDate <= p.endDate) {
      return refuse('period_overlaps', `period ${command.periodId} overlaps period ${p.periodId} (${p.startDate}..${p.endDate})`)
    }
  }
  return [event('FinancingPeriodOpened', data)]
}

export const municipalityDecider: Decider<MunicipalityCommand, MunicipalityState> = {
  initialState: () => ({ municipality: null, periods: new Map(), population: new Map() }),

  evolve(state, e) {
    switch (e.type) {
      case 'FinancingPeriodOpened': {
        const { municipality, periodId, startDate, endDate, nominal, financingCap, nominalLimit, payerId } = e.data
        state.municipality = municipality
        state.periods.set(periodId, {
          periodId,
          startDate,
          endDate,
          nominal,
          financingCap,
          nominalLimit,
          payerId,
          holders: new Set(),
          queue: [],
        })
        return state
      }
      case 'PopulationRecorded':
        state.municipality = e.data.municipality
        state.population.set(e.data.year, e.data.children5to18)
        return state
      case 'FinancingPlaceTaken':
        state.periods.get(e.data.periodId)?.holders.add(e.data.certificateNumber)
        return state
      case 'FinancingPlaceReleased':
        state.periods.get(e.data.periodId)?.holders.delete(e.data.certificateNumber)
        return state
      case 'CertificateQueuedForFinancing':
        state.periods.get(e.data.periodId)?.queue.push(e.data.certificateNumber)
        return state
      case 'CertificateLeftFinancingQueue':
      case 'CertificatePromotedFromQueue': {
        const p = state.periods.get(e.data.periodId)
        if (p) p.queue = p.queue.filter((n) => n !== e.data.certificateNumber)
        return state
      }
      default:
        return state
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'OpenFinancingPeriod':
        return openFinancingPeriod(state, command)
      case 'RecordPopulation': {
        const { type: _, ...data } = command
        if (state.population.get(command.year) === command.children5to18) return []
        return [event('PopulationRecorded', data)]
      }
      case 'TakeFinancingPlace': {
        const p = periodOf(state, command.periodId)
        const base = { municipality: state.municipality!, periodId: p.periodId, certificateNumber: command.certificateNumber }
        if (p.holders.has(command.certificateNumber)) return []
        if (p.queue.includes(command.certificateNumber)) {
          return refuse('certificate_already_queued', `certificate ${command.certificateNumber} already waits in the queue of ${p.periodId}`)
        }
        if (hasFreePlace(p)) return [event('FinancingPlaceTaken', { ...base, takenOn: command.on, via: 'request' })]
        if (command.queueIfFull) return [event('CertificateQueuedForFinancing', { ...base, queuedOn: command.on })]
        return p.holders.size >= p.financingCap
          ? refuse('financing_cap_reached', `all ${p.financingCap} financing places of period ${p.periodId} are taken`)
          : refuse('nominal_limit_reached', `another nominal would exceed the period's limit on the sum of nominals`)
      }
      case 'LeaveQueue': {
        const p = periodOf(state, command.periodId)
        if (!p.queue.includes(command.certificateNumber)) return []
        return [
          event('CertificateLeftFinancingQueue', {
            municipality: state.municipality!,
            periodId: p.periodId,
            certificateNumber: command.certificateNumber,
            leftOn: command.on,
            reason: 'frozen',
          }),
        ]
      }
      case 'ReleaseFinancingPlace': {
        const p = periodOf(state, command.periodId)
        if (!p.holders.has(command.certificateNumber)) return []
        const municipality = state.municipality!
        const events = [
          event('FinancingPlaceReleased', {
            municipality,
            periodId: p.periodId,
            certificateNumber: command.certificateNumber,
            releasedOn: command.on,
            reason: command.reason,
          }),
        ]
        // The freed place goes to the head of the queue at once, in the same append.
        const head = p.queue[0]
        if (head !== undefined && (p.nominalLimit === null || p.holders.size * p.nominal <= p.nominalLimit)) {
          events.push(
            event('CertificatePromotedFromQueue', { municipality, periodId: p.periodId, certificateNumber: head, promotedOn: command.on }),
            event('FinancingPlaceTaken', { municipality, periodId: p.periodId, certificateNumber: head, takenOn: command.on, via: 'queue' }),
          )
        }
        return events
      }
    }
  },
}
