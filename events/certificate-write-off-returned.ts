import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, isoMonth, kopecks, uuid } from './common.ts'

/**
 * A month written off in advance returns to the balance because the contract was terminated before that month
 * (spent − amount, balance + amount): the close of the month before had written it off when it began, and the
 * termination recorded afterwards ends the contract earlier. `returnedOn` is the write-off's own `effectiveOn`, so
 * on every business date the month is either neither written off nor returned, or both.
 */
export const CertificateWriteOffReturned = defineEvent(
  'CertificateWriteOffReturned',
  1,
  'certificate-{certificateNumber}',
  z.object({ certificateNumber, periodId: entityId, contractId: uuid, month: isoMonth, amount: kopecks, returnedOn: isoDate, reason: z.enum(['terminated']) }),
)
