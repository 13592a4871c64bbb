import { z } from 'zod'
import { certificateNumber, defineEvent, isoDate, isoMonth, kopecks, uuid } from './common.ts'

/**
 * The parent or the provider ended a running contract. The months after the termination month return to the
 * balance at once (`released`); the termination month stays payable; the contract closes at its end.
 */
export const ContractTerminated = defineEvent(
  'ContractTerminated',
  1,
  'contract-{contractId}',
  z.object({
    contractId: uuid,
    /** The contract's certificate, so readers of this event alone know whose money it concerns. */
    certificateNumber,
    terminatedOn: isoDate,
    by: z.enum(['parent', 'provider']),
    reason: z.string().min(1).max(500),
    /** The last month the contract is paid for. */
    lastMonth: isoMonth,
    closesOn: isoDate,
    released: kopecks,
  }),
)
