import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, kopecks, uuid } from './common.ts'

/** A contract request reserved the certificate's part of the contract: balance − amount, reserved + amount. */
export const CertificateFundsReserved = defineEvent(
  'CertificateFundsReserved',
  1,
  'certificate-{certificateNumber}',
  z.object({ certificateNumber, periodId: entityId, contractId: uuid, amount: kopecks, reservedOn: isoDate }),
)
