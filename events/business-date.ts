// The business date of every event: the day it is effective on, as the ledger's answers "as of a date" read it.
// It comes from the event's own data, never from a clock. This folder imports nothing of the ledger's own code.
import type { EventData, EventType } from './index.ts'

/**
 * Per event type, the field of its (current version's) data holding its business date, or null for registry facts
 * without a date of their own — they count from the beginning of history — and for `CommandAccepted` and `CommandRefused`, which are not a
 * business fact at all (an idempotency key's first use).
 */
const BUSINESS_DATE_FIELD: { readonly [T in EventType]: { [K in keyof EventData<T>]: EventData<T>[K] extends string ? K : never }[keyof EventData<T>] | null } =
  {
    FinancingPeriodOpened: null,
    PopulationRecorded: null,
    FinancingPlaceTaken: 'takenOn',
    FinancingPlaceReleased: 'releasedOn',
    CertificateQueuedForFinancing: 'queuedOn',
    CertificatePromotedFromQueue: 'promotedOn',
    CertificateLeftFinancingQueue: 'leftOn',
    CertificateIssued: 'issuedOn',
    CertificateActivated: 'activatedOn',
    CertificateTypeChanged: 'changedOn',
    CertificateFrozen: 'frozenOn',
    CertificateUnfrozen: 'unfrozenOn',
    NominalCredited: 'creditedOn',
    CertificateFundsReserved: 'reservedOn',
    CertificateReservationReleased: 'releasedOn',
    ProviderRegistered: null,
    ProviderAgreementConcluded: 'concludedOn',
    PayerRegistered: null,
    OrganisationRequisitesChanged: 'effectiveOn',
    ProgrammeRegistered: null,
    ProgrammeQualityAssessed: 'assessedOn',
    GroupOpened: null,
    GroupPlaceTaken: 'takenOn',
    GroupPlaceReleased: 'releasedOn',
    ContractRequested: 'requestedOn',
    ContractAccepted: 'acceptedOn',
    ContractRefused: 'refusedOn',
    ContractTerminated: 'terminatedOn',
    ContractClosed: 'closedOn',
    AttendanceRecorded: 'recordedOn',
    AdvanceClaimed: 'claimedOn',
    ContractMonthSettled: 'settledOn',
    ContractMonthCorrected: 'correctedOn',
    ContractCorrectionInvoiced: 'invoicedOn',
    CertificateFundsWrittenOff: 'effectiveOn',
    CertificateWriteOffReturned: 'returnedOn',
    ShortfallRefunded: 'refundedOn',
    AdvanceInvoiceIssued: 'issuedOn',
    FinalInvoiceIssued: 'issuedOn',
    PaymentRecorded: 'paidOn',
    PaymentReversed: 'reversedOn',
    PaymentOrderNumberUsed: 'paidOn',
    PaymentOrderNumberReleased: 'releasedOn',
    MonthClosed: 'closedOn',
    CommandAccepted: null,
    CommandRefused: null,
  }

/**
 * The business date of an event of the current version (upcast first), YYYY-MM-DD; null when it has none and
 * counts from the beginning of history.
 */
export function businessDateOf(e: { type: string; data: unknown }): string | null {
  const field = (BUSINESS_DATE_FIELD as Record<string, string | null | undefined>)[e.type]
  if (!field) return null
  const value = (e.data as Record<string, unknown>)[field]
  return typeof value === 'string' ? value : null
}

/** On or before the business date `on` (events without one always are). */
export const effectiveBy = (e: { type: string; data: unknown }, on: string): boolean => {
  const d = businessDateOf(e)
  return d === null || d <= on
}
