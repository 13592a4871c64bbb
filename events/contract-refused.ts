import { z } from 'zod'
import { certificateNumber, defineEvent, isoDate, kopecks, uuid } from './common.ts'

/** The application was refused (by the provider, or automatically); its whole reservation returns to the balance. */
export const ContractRefused = defineEvent(
  'ContractRefused',
  1,
  'contract-{contractId}',
  z.object({
    contractId: uuid,
    /** The contract's certificate, so readers of this event alone know whose money it concerns. */
    certificateNumber,
    refusedOn: isoDate,
    by: z.enum(['provider', 'system']),
    reason: z.string().min(1).max(500),
    /** The reservation given back to the certificate. */
    released: kopecks,
  }),
)
