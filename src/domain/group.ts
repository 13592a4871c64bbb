import type { EventData } from '../../events/index.ts'
import type { IsoDate } from './dates.ts'
import { type Decider, event } from './decider.ts'
import { refuse } from './errors.ts'
import type { Kopecks } from './money.ts'

/**
 * Stream `group-{id}`: the group and the contracts holding its places. Capacity and "one contract per child
 * per group" are decided here, in one stream, so concurrent requests never overbook it.
 */
export type GroupState = Omit<EventData<'GroupOpened'>, 'groupId'> & {
  /** null until the group is opened. */
  groupId: string | null
  /** contractId → certificate number, for every contract holding a place. */
  places: Map<string, string>
}

export type GroupCommand =
  | ({ type: 'OpenGroup' } & EventData<'GroupOpened'>)
  | { type: 'TakeGroupPlace'; contractId: string; certificateNumber: string; on: IsoDate }
  | { type: 'ReleaseGroupPlace'; contractId: string; on: IsoDate; reason: 'refused' | 'closed' | 'request_abandoned' }

/** price ≤ 150 % × normative, in integers: 2 × price ≤ 3 × normative. */
const priceWithinLimit = (price: Kopecks, normative: Kopecks) => 2 * price <= 3 * normative

export const groupDecider: Decider<GroupCommand, GroupState> = {
  initialState: () => ({
    groupId: null,
    programmeId: '',
    providerId: '',
    municipality: '',
    startDate: '',
    endDate: '',
    price: 0,
    normativeCost: 0,
    capacity: 0,
    places: new Map(),
  }),
  evolve(state, e) {
    switch (e.type) {
      case 'GroupOpened':
        Object.assign(state, { ...e.data, places: state.places })
        return state
      case 'GroupPlaceTaken':
        state.places.set(e.data.contractId, e.data.certificateNumber)
        return state
      case 'GroupPlaceReleased':
        state.places.delete(e.data.contractId)
        return state
      default:
        return state
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'OpenGroup': {
        if (state.groupId !== null) return refuse('group_already_opened', `group ${command.groupId} is already open`)
        if (command.endDate < command.startDate) {
          return refuse('group_dates_invalid', `the group ends (${command.endDate}) before it starts (${command.startDate})`)
        }
        if (!priceWithinLimit(command.price, command.normativeCost)) {
          return refuse('price_above_limit', `the price may not exceed 150 % of the normative cost`, {
            price: command.price,
            normativeCost: command.normativeCost,
          })
        }
        const { type: _, ...data } = command
        return [event('GroupOpened', data)]
      }
      case 'TakeGroupPlace': {
        const groupId = state.groupId ?? refuse('group_not_found', 'no such group')
        if (state.places.has(command.contractId)) return []
        for (const holder of state.places.values()) {
          if (holder === command.certificateNumber) {
            return refuse('duplicate_contract', `certificate ${command.certificateNumber} already has a contract in group ${groupId}`)
          }
        }
        if (state.places.size >= state.capacity) return refuse('group_full', `all ${state.capacity} places of group ${groupId} are taken`)
        return [event('GroupPlaceTaken', { groupId, contractId: command.contractId, certificateNumber: command.certificateNumber, takenOn: command.on })]
      }
      case 'ReleaseGroupPlace': {
        const groupId = state.groupId ?? refuse('group_not_found', 'no such group')
        if (!state.places.has(command.contractId)) return []
        return [event('GroupPlaceReleased', { groupId, contractId: command.contractId, releasedOn: command.on, reason: command.reason })]
      }
    }
  },
}
