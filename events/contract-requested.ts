import { z } from 'zod'
import { certificateNumber, count, defineEvent, direction, entityId, isoDate, isoMonth, kopecks, programmeKind, uuid } from './common.ts'

const QuoteData = z.object({
  days: count.min(1),
  months: count.min(1),
  all: kopecks,
  normative: kopecks,
  certificate: kopecks,
  parent: kopecks,
  certificateFirstMonth: kopecks,
  certificateOtherMonth: kopecks,
  parentFirstMonth: kopecks,
  parentOtherMonth: kopecks,
})

/**
 * A parent's application for a place: the full quote and its monthly schedule. Its certificate part is the
 * amount reserved on the certificate (CertificateFundsReserved) for this contract.
 */
export const ContractRequested = defineEvent(
  'ContractRequested',
  1,
  'contract-{contractId}',
  z.object({
    contractId: uuid,
    certificateNumber,
    groupId: entityId,
    programmeId: entityId,
    providerId: entityId,
    municipality: entityId,
    periodId: entityId,
    /** The payer of the period for financing contracts; null for budget and paid programmes. */
    payerId: entityId.nullable(),
    kind: programmeKind,
    direction,
    requestedOn: isoDate,
    startDate: isoDate,
    endDate: isoDate,
    quote: QuoteData,
    schedule: z.array(z.object({ month: isoMonth, certificate: kopecks, parent: kopecks })).min(1),
  }),
)
