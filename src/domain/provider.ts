import type { IsoDate } from './dates.ts'
import { event, type Decider } from './decider.ts'
import { refuse } from './errors.ts'

/** Stream `provider-{id}`: the provider and its agreements with payers, per financing period. */
export interface ProviderState {
  providerId: string | null
  municipality: string
  name: string
  /** `payerId|periodId` of every agreement concluded. */
  agreements: Set<string>
}

export type ProviderCommand =
  | { type: 'RegisterProvider'; providerId: string; municipality: string; name: string; kind: 'municipal' | 'private' | 'individual-entrepreneur' }
  | { type: 'ConcludeAgreement'; payerId: string; periodId: string; municipality: string; concludedOn: IsoDate }

export const agreementKey = (payerId: string, periodId: string) => `${payerId}|${periodId}`

export const providerDecider: Decider<ProviderCommand, ProviderState> = {
  initialState: () => ({ providerId: null, municipality: '', name: '', agreements: new Set() }),
  evolve(state, e) {
    if (e.type === 'ProviderRegistered') {
      state.providerId = e.data.providerId
      state.municipality = e.data.municipality
      state.name = e.data.name
    } else if (e.type === 'ProviderAgreementConcluded') {
      state.agreements.add(agreementKey(e.data.payerId, e.data.periodId))
    }
    return state
  },
  decide(command, state) {
    switch (command.type) {
      case 'RegisterProvider': {
        if (state.providerId !== null) return refuse('provider_already_registered', `provider ${command.providerId} is already registered`)
        const { type: _, ...data } = command
        return [event('ProviderRegistered', data)]
      }
      case 'ConcludeAgreement': {
        const providerId = state.providerId ?? refuse('provider_not_found', 'no such provider')
        if (state.agreements.has(agreementKey(command.payerId, command.periodId))) {
          return refuse('agreement_already_concluded', `provider ${providerId} already has an agreement with payer ${command.payerId} for ${command.periodId}`)
        }
        const { type: _, ...data } = command
        return [event('ProviderAgreementConcluded', { providerId, ...data })]
      }
    }
  },
}
