import { z } from 'zod'
import { certificateNumber, defineEvent, isoDate, key, nextVersion, recordedDate, uuid } from './common.ts'

const v1 = z.object({ contractId: uuid, certificateNumber, correctionId: key, invoiceId: key })

/** Version 1 (no date of its own). */
const ContractCorrectionInvoicedV1 = defineEvent('ContractCorrectionInvoiced', 1, 'contract-{contractId}', v1)

/**
 * The month close put a correction into a final invoice, on the day of the close: it will not be invoiced again.
 * No money moves here. Version 1 reads as invoiced on the (UTC) date it was recorded.
 */
export const ContractCorrectionInvoiced = nextVersion(ContractCorrectionInvoicedV1, v1.extend({ invoicedOn: isoDate }), (d, c) => ({
  ...d,
  invoicedOn: recordedDate(c),
}))
