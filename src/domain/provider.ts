import type { IsoDate } from './dates.ts'
import { type Decider, event } from './decider.ts'
import { refuse } from './errors.ts'
import type { Requisites } from './organisation.ts'
import { compactRequisites, decideRequisitesChange, type RequisitesEntry, type RequisitesPatch, requireValidRequisites } from './requisites-timeline.ts'

/** Stream `provider-{id}`: the provider and its agreements with payers, per financing period. */
export interface ProviderState {
  providerId: string | null
  municipality: string
  name: string
  /** `payerId|periodId` of every agreement concluded. */
  agreements: Set<string>
  /** `payerId|month` → the advance percentage claimed, when less than the full 80 %. */
  advanceClaims: Map<string, number>
  /** Its requisites through time (registration's first, in force from the beginning of history). */
  requisites: RequisitesEntry[]
}

export type ProviderCommand =
  | {
      type: 'RegisterProvider'
      providerId: string
      municipality: string
      name: string
      kind: 'municipal' | 'private' | 'individual-entrepreneur'
      requisites?: Partial<Requisites>
    }
  | { type: 'ChangeRequisites'; effectiveOn: IsoDate; requisites: RequisitesPatch }
  | { type: 'ConcludeAgreement'; payerId: string; periodId: string; municipality: string; concludedOn: IsoDate }
  | { type: 'ClaimAdvance'; payerId: string; month: string; percent: number; claimedOn: IsoDate }

export const agreementKey = (payerId: string, periodId: string) => `${payerId}|${periodId}`

export const providerDecider: Decider<ProviderCommand, ProviderState> = {
  initialState: () => ({ providerId: null, municipality: '', name: '', agreements: new Set(), advanceClaims: new Map(), requisites: [] }),
  evolve(state, e) {
    if (e.type === 'ProviderRegistered') {
      state.providerId = e.data.providerId
      state.municipality = e.data.municipality
      state.name = e.data.name
      state.requisites.push({ effectiveOn: null, requisites: compactRequisites(e.data.requisites) })
    } else if (e.type === 'OrganisationRequisitesChanged') {
      state.requisites.push({ effectiveOn: e.data.effectiveOn, requisites: compactRequisites(e.data.requisites) })
    } else if (e.type === 'ProviderAgreementConcluded') {
      state.agreements.add(agreementKey(e.data.payerId, e.data.periodId))
    } else if (e.type === 'AdvanceClaimed') {
      state.advanceClaims.set(`${e.data.payerId}|${e.data.month}`, e.data.percent)
    }
    return state
  },
  decide(command, state) {
    switch (command.type) {
      case 'RegisterProvider': {
        if (state.providerId !== null) return refuse('provider_already_registered', `provider ${command.providerId} is already registered`)
        const { type: _, requisites: given, ...data } = command
        const requisites = compactRequisites(given)
        requireValidRequisites(requisites)
        // A provider registered with its name alone stores no requisites field, as before.
        return [event('ProviderRegistered', given === undefined ? data : { ...data, requisites })]
      }
      case 'ChangeRequisites': {
        const providerId = state.providerId ?? refuse('provider_not_found', 'no such provider')
        return decideRequisitesChange('provider', providerId, state.requisites, command.effectiveOn, command.requisites)
      }
      case 'ConcludeAgreement': {
        const providerId = state.providerId ?? refuse('provider_not_found', 'no such provider')
        if (state.agreements.has(agreementKey(command.payerId, command.periodId))) {
          return refuse('agreement_already_concluded', `provider ${providerId} already has an agreement with payer ${command.payerId} for ${command.periodId}`)
        }
        const { type: _, ...data } = command
        return [event('ProviderAgreementConcluded', { providerId, ...data })]
      }
      case 'ClaimAdvance': {
        const providerId = state.providerId ?? refuse('provider_not_found', 'no such provider')
        if (!Number.isInteger(command.percent) || command.percent < 0 || command.percent > 80)
          refuse('amount_invalid', 'an advance is claimed as a whole percentage from 0 to 80')
        const { type: _, ...data } = command
        return [event('AdvanceClaimed', { providerId, ...data })]
      }
    }
  },
}
