import { z } from 'zod'
import { certificateNumber, defineEvent, uuid } from './common.ts'

/** The month close put a correction into a final invoice: it will not be invoiced again. No money moves here. */
export const ContractCorrectionInvoiced = defineEvent(
  'ContractCorrectionInvoiced',
  1,
  'contract-{contractId}',
  z.object({ contractId: uuid, certificateNumber, correctionId: z.string().min(1), invoiceId: z.string() }),
)
