// The catalogue: every event type and schema version the ledger writes. `events/README.md` describes each.
import type { z } from 'zod'
import { AdvanceClaimed } from './advance-claimed.ts'
import { AdvanceInvoiceIssued } from './advance-invoice-issued.ts'
import { AttendanceRecorded } from './attendance-recorded.ts'
import { CertificateActivated } from './certificate-activated.ts'
import { CertificateFrozen } from './certificate-frozen.ts'
import { CertificateFundsReserved } from './certificate-funds-reserved.ts'
import { CertificateFundsWrittenOff } from './certificate-funds-written-off.ts'
import { CertificateIssued } from './certificate-issued.ts'
import { CertificateLeftFinancingQueue } from './certificate-left-financing-queue.ts'
import { CertificatePromotedFromQueue } from './certificate-promoted-from-queue.ts'
import { CertificateQueuedForFinancing } from './certificate-queued-for-financing.ts'
import { CertificateReservationReleased } from './certificate-reservation-released.ts'
import { CertificateTypeChanged } from './certificate-type-changed.ts'
import { CertificateUnfrozen } from './certificate-unfrozen.ts'
import { CertificateWriteOffReturned } from './certificate-write-off-returned.ts'
import { CommandAccepted } from './command-accepted.ts'
import { CommandRefused } from './command-refused.ts'
import type { EventDefinition, UpcastContext } from './common.ts'
import { ContractAccepted } from './contract-accepted.ts'
import { ContractClosed } from './contract-closed.ts'
import { ContractCorrectionInvoiced } from './contract-correction-invoiced.ts'
import { ContractMonthCorrected } from './contract-month-corrected.ts'
import { ContractMonthSettled } from './contract-month-settled.ts'
import { ContractRefused } from './contract-refused.ts'
import { ContractRequested } from './contract-requested.ts'
import { ContractTerminated } from './contract-terminated.ts'
import { FinalInvoiceIssued } from './final-invoice-issued.ts'
import { FinancingPeriodOpened } from './financing-period-opened.ts'
import { FinancingPlaceReleased } from './financing-place-released.ts'
import { FinancingPlaceTaken } from './financing-place-taken.ts'
import { GroupOpened } from './group-opened.ts'
import { GroupPlaceReleased } from './group-place-released.ts'
import { GroupPlaceTaken } from './group-place-taken.ts'
import { MonthClosed } from './month-closed.ts'
import { NominalCredited } from './nominal-credited.ts'
import { OrganisationRequisitesChanged } from './organisation-requisites-changed.ts'
import { PayerRegistered } from './payer-registered.ts'
import { PaymentOrderNumberReleased } from './payment-order-number-released.ts'
import { PaymentOrderNumberUsed } from './payment-order-number-used.ts'
import { PaymentRecorded } from './payment-recorded.ts'
import { PaymentReversed } from './payment-reversed.ts'
import { PopulationRecorded } from './population-recorded.ts'
import { ProgrammeQualityAssessed } from './programme-quality-assessed.ts'
import { ProgrammeRegistered } from './programme-registered.ts'
import { ProviderAgreementConcluded } from './provider-agreement-concluded.ts'
import { ProviderRegistered } from './provider-registered.ts'
import { ShortfallRefunded } from './shortfall-refunded.ts'

export * from './common.ts'

export const catalogue = {
  FinancingPeriodOpened,
  PopulationRecorded,
  FinancingPlaceTaken,
  FinancingPlaceReleased,
  CertificateQueuedForFinancing,
  CertificatePromotedFromQueue,
  CertificateLeftFinancingQueue,
  CertificateIssued,
  CertificateActivated,
  CertificateTypeChanged,
  CertificateFrozen,
  CertificateUnfrozen,
  NominalCredited,
  CertificateFundsReserved,
  CertificateReservationReleased,
  ProviderRegistered,
  ProviderAgreementConcluded,
  PayerRegistered,
  OrganisationRequisitesChanged,
  ProgrammeRegistered,
  ProgrammeQualityAssessed,
  GroupOpened,
  GroupPlaceTaken,
  GroupPlaceReleased,
  ContractRequested,
  ContractAccepted,
  ContractRefused,
  ContractTerminated,
  ContractClosed,
  AttendanceRecorded,
  AdvanceClaimed,
  ContractMonthSettled,
  ContractMonthCorrected,
  ContractCorrectionInvoiced,
  CertificateFundsWrittenOff,
  CertificateWriteOffReturned,
  ShortfallRefunded,
  AdvanceInvoiceIssued,
  FinalInvoiceIssued,
  PaymentRecorded,
  PaymentReversed,
  PaymentOrderNumberUsed,
  PaymentOrderNumberReleased,
  MonthClosed,
  CommandAccepted,
  CommandRefused,
} as const

type Catalogue = typeof catalogue
export type EventType = keyof Catalogue
/** The data of an event type at its current schema version. */
export type EventData<T extends EventType> = z.infer<Catalogue[T]['schema']>
/** Any ledger event as the domain sees it: a type and its data. */
export type LedgerEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType]

/** Every version of every event type: the current ones and, through `previous`, the ones before them. */
function allVersions(): EventDefinition[] {
  const out: EventDefinition[] = []
  for (const current of Object.values(catalogue) as EventDefinition[]) {
    for (let d: EventDefinition | undefined = current; d; d = d.previous?.definition) out.push(d)
  }
  return out
}

const byTypeAndVersion = new Map<string, EventDefinition>(allVersions().map((d) => [`${d.type}@${d.schemaVersion}`, d]))

/** The definition of a stored event's type and version, or undefined for one the catalogue does not know. */
export function definitionOf(type: string, schemaVersion: number): EventDefinition | undefined {
  return byTypeAndVersion.get(`${type}@${schemaVersion}`)
}

/** Checks stored data against its schema version; returns the issues, empty when valid. */
export function validateEventData(type: string, schemaVersion: number, data: unknown): string[] {
  const definition = definitionOf(type, schemaVersion)
  if (!definition) return [`unknown event type ${type} version ${schemaVersion}`]
  const result = definition.schema.safeParse(data)
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`)
}

/**
 * A stored event as its type's current version reads it: an older version's data upcast step by step (never
 * rewritten: its hash covers what was stored). The same object when it already is current or of a type the
 * catalogue does not know (readers that validate report those).
 */
export function upcast<E extends { type: string; schemaVersion: number; data: unknown } & UpcastContext>(e: E): E {
  const current = (catalogue as Record<string, EventDefinition>)[e.type]
  if (!current || e.schemaVersion >= current.schemaVersion) return e
  const chain: EventDefinition[] = []
  for (let d: EventDefinition | undefined = current; d && d.schemaVersion > e.schemaVersion; d = d.previous?.definition) chain.unshift(d)
  let data = e.data
  for (const d of chain) data = d.previous!.upcast(data as never, e)
  return { ...e, schemaVersion: current.schemaVersion, data }
}
export * from './business-date.ts'
