import { z } from 'zod'
import { certificateNumber, defineEvent, isoDate, uuid } from './common.ts'

/** The provider accepted the application; the contract runs from its start date. No money moves. */
export const ContractAccepted = defineEvent(
  'ContractAccepted',
  1,
  'contract-{contractId}',
  z.object({ contractId: uuid, certificateNumber, acceptedOn: isoDate }),
)
