import { z } from 'zod'
import { certificateNumber, defineEvent, isoDate, uuid } from './common.ts'

/** The contract is over: after a termination's month, or at its end date. Its place in the group is free. */
export const ContractClosed = defineEvent(
  'ContractClosed',
  1,
  'contract-{contractId}',
  z.object({ contractId: uuid, certificateNumber, closedOn: isoDate, reason: z.enum(['terminated', 'ended']) }),
)
