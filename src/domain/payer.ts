import type { IsoDate } from './dates.ts'
import { type Decider, event } from './decider.ts'
import { refuse } from './errors.ts'
import type { Requisites } from './organisation.ts'
import { compactRequisites, decideRequisitesChange, type RequisitesEntry, type RequisitesPatch, requireValidRequisites } from './requisites-timeline.ts'

/** Stream `payer-{id}`: a payer organisation of the registry and its requisites through time. */
export interface PayerState {
  payerId: string | null
  municipality: string
  name: string
  requisites: RequisitesEntry[]
}

export type PayerCommand =
  | { type: 'RegisterPayer'; payerId: string; municipality: string; name: string; requisites?: Partial<Requisites> }
  | { type: 'ChangeRequisites'; effectiveOn: IsoDate; requisites: RequisitesPatch }

export const payerDecider: Decider<PayerCommand, PayerState> = {
  initialState: () => ({ payerId: null, municipality: '', name: '', requisites: [] }),
  evolve(state, e) {
    if (e.type === 'PayerRegistered') {
      state.payerId = e.data.payerId
      state.municipality = e.data.municipality
      state.name = e.data.name
      state.requisites.push({ effectiveOn: null, requisites: compactRequisites(e.data.requisites) })
    } else if (e.type === 'OrganisationRequisitesChanged') {
      state.requisites.push({ effectiveOn: e.data.effectiveOn, requisites: compactRequisites(e.data.requisites) })
    }
    return state
  },
  decide(command, state) {
    switch (command.type) {
      case 'RegisterPayer': {
        if (state.payerId !== null) return refuse('payer_already_registered', `payer ${command.payerId} is already registered`)
        const requisites = compactRequisites(command.requisites)
        requireValidRequisites(requisites)
        return [event('PayerRegistered', { payerId: command.payerId, municipality: command.municipality, name: command.name, requisites })]
      }
      case 'ChangeRequisites': {
        const payerId = state.payerId ?? refuse('payer_not_found', 'no such payer')
        return decideRequisitesChange('payer', payerId, state.requisites, command.effectiveOn, command.requisites)
      }
    }
  },
}
