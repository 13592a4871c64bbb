import type { DIRECTIONS, PROGRAMME_KINDS } from '../../events/index.ts'
import type { IsoDate } from './dates.ts'
import { type Decider, event } from './decider.ts'
import { refuse } from './errors.ts'

/** Stream `programme-{id}`: the programme and its quality assessments (the latest one counts). */
export interface ProgrammeState {
  programmeId: string | null
  providerId: string
  municipality: string
  direction: (typeof DIRECTIONS)[number]
  kind: (typeof PROGRAMME_KINDS)[number]
  score: number | null
  certified: boolean
}

/** НОК: a programme with at least this many points may be paid from certificates. */
const CERTIFICATION_THRESHOLD = 30

export type ProgrammeCommand =
  | {
      type: 'RegisterProgramme'
      programmeId: string
      providerId: string
      municipality: string
      title: string
      direction: (typeof DIRECTIONS)[number]
      kind: (typeof PROGRAMME_KINDS)[number]
    }
  | { type: 'RecordQualityAssessment'; score: number; assessedOn: IsoDate }

export const programmeDecider: Decider<ProgrammeCommand, ProgrammeState> = {
  initialState: () => ({ programmeId: null, providerId: '', municipality: '', direction: 'technical', kind: 'budget', score: null, certified: false }),
  evolve(state, e) {
    if (e.type === 'ProgrammeRegistered') {
      Object.assign(state, {
        programmeId: e.data.programmeId,
        providerId: e.data.providerId,
        municipality: e.data.municipality,
        direction: e.data.direction,
        kind: e.data.kind,
      })
    } else if (e.type === 'ProgrammeQualityAssessed') {
      state.score = e.data.score
      state.certified = e.data.certified
    }
    return state
  },
  decide(command, state) {
    switch (command.type) {
      case 'RegisterProgramme': {
        if (state.programmeId !== null) return refuse('programme_already_registered', `programme ${command.programmeId} is already registered`)
        const { type: _, ...data } = command
        return [event('ProgrammeRegistered', data)]
      }
      case 'RecordQualityAssessment': {
        const programmeId = state.programmeId ?? refuse('programme_not_found', 'no such programme')
        return [
          event('ProgrammeQualityAssessed', {
            programmeId,
            score: command.score,
            assessedOn: command.assessedOn,
            certified: command.score >= CERTIFICATION_THRESHOLD,
          }),
        ]
      }
    }
  },
}
