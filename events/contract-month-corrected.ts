import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, isoMonth, key, kopecks, uuid } from './common.ts'

/**
 * A settled (and invoiced) month of a contract found to earn less: a new completeness and line, referring to the
 * invoice that carried the month. Nothing issued changes: the difference (lineAmount − previousLineAmount,
 * negative) appears in the provider's next final invoice and returns to the certificate once that is paid.
 */
export const ContractMonthCorrected = defineEvent(
  'ContractMonthCorrected',
  1,
  'contract-{contractId}',
  z.object({
    contractId: uuid,
    certificateNumber,
    payerId: entityId,
    providerId: entityId,
    month: isoMonth,
    correctionId: key,
    correctsInvoiceId: key,
    previousLineAmount: kopecks,
    completenessBp: z.number().int().min(0).max(10000),
    lineAmount: kopecks,
    reason: z.string().min(1).max(500),
    correctedOn: isoDate,
  }),
)
