import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoMonth, kopecks, uuid } from './common.ts'

/** The month close wrote off a contract's month: reserved − amount, spent + amount (balance unchanged). */
export const CertificateFundsWrittenOff = defineEvent(
  'CertificateFundsWrittenOff',
  1,
  'certificate-{certificateNumber}',
  z.object({ certificateNumber, periodId: entityId, contractId: uuid, month: isoMonth, amount: kopecks }),
)
