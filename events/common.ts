// Field types shared by the event schemas. This folder imports nothing of the ledger's own code: it is the
// contract auditors read, and it must stay valid on its own.
import { z } from 'zod'

// Every value an event schema accepts must be one the read models can store (a projection must never stop on an
// accepted event): amounts fit the reporting views' numeric(15,2) (under 10^13 roubles), counts an integer column,
// dates PostgreSQL's date type (which has no year 0). test/projections/storable.test.ts projects the extremes.

/** The largest amount of kopecks: 9 999 999 999 999.99 roubles, what numeric(15,2) holds. */
const MAX_KOPECKS = 999_999_999_999_999
/** An amount of money: a whole, non-negative number of kopecks (776000 = 7 760.00 roubles). */
export const kopecks = z.number().int().nonnegative().max(MAX_KOPECKS)
/** A difference of money (a correction, an amount due after corrections): kopecks either way. */
export const signedKopecks = z.number().int().min(-MAX_KOPECKS).max(MAX_KOPECKS)
/** A count (lessons, places, children, days): a whole number an integer column holds. */
export const count = z.number().int().min(0).max(2_147_483_647)
/**
 * An id the ledger or a client makes up (an invoice's, a payment's, a correction's): the read models key their rows
 * by it, and a key must fit an index entry (a few kilobytes), so it is at most 256 characters.
 */
export const key = z.string().min(1).max(256)

const realDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}
/** A calendar date, YYYY-MM-DD; business dates come from commands, never from a clock. */
export const isoDate = z
  .string()
  .regex(/^(?!0000)\d{4}-\d{2}-\d{2}$/)
  .refine(realDate, 'not a calendar date')
/** A calendar month, YYYY-MM. */
export const isoMonth = z.string().regex(/^(?!0000)\d{4}-(0[1-9]|1[0-2])$/)

/** A certificate number: a unique 10-character string. */
export const certificateNumber = z.string().regex(/^[0-9A-Za-z]{10}$/)
/** Ids of municipalities, periods, providers, payers, programmes and groups: chosen by the registry. */
export const entityId = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/)
export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)

export const CERTIFICATE_TYPES = ['accounting', 'financing'] as const
export const certificateType = z.enum(CERTIFICATE_TYPES)

/** The six directions (направленности) of supplementary education programmes. */
export const DIRECTIONS = [
  'technical',
  'natural-science',
  'physical-culture-and-sports',
  'artistic',
  'tourism-and-local-history',
  'social-humanitarian',
] as const
export const direction = z.enum(DIRECTIONS)

/** financing: paid from certificates (needs the quality assessment); budget: municipal assignment; paid: by parents. */
export const PROGRAMME_KINDS = ['financing', 'budget', 'paid'] as const
export const programmeKind = z.enum(PROGRAMME_KINDS)

/** What names an invoice: one per kind, payer, provider and month. Shared by the invoice events. */
export const invoiceHeader = z.object({
  invoiceId: key,
  number: key,
  payerId: entityId,
  providerId: entityId,
  municipality: entityId,
  month: isoMonth,
  issuedOn: isoDate,
})

/** Which invoice a payment concerns: shared by PaymentRecorded and PaymentReversed. */
export const paymentOf = z.object({
  invoiceId: key,
  kind: z.enum(['advance', 'final']),
  payerId: entityId,
  providerId: entityId,
  month: isoMonth,
})

/** What an upcaster may read besides the old data: the envelope of the stored event. */
export interface UpcastContext {
  /** When the ledger recorded the event (the fallback business date of old versions that carried none). */
  recordedAt: Date
}

export interface EventDefinition<Type extends string = string, Schema extends z.ZodType = z.ZodType> {
  type: Type
  schemaVersion: number
  /** The stream the event is appended to, as a pattern, for the catalogue. */
  stream: string
  schema: Schema
  /**
   * The version before this one and how its data becomes this version's when read. Stored events are never
   * rewritten (their hashes cover them); they are upcast each time they are read.
   */
  previous?: { definition: EventDefinition<Type>; upcast: (data: never, context: UpcastContext) => unknown }
}

export function defineEvent<Type extends string, Schema extends z.ZodType>(
  type: Type,
  schemaVersion: number,
  stream: string,
  schema: Schema,
): EventDefinition<Type, Schema> {
  return { type, schemaVersion, stream, schema }
}

/** The next version of an event: its schema, and how the data of the version before it reads as this one. */
export function nextVersion<Type extends string, Old extends z.ZodType, Schema extends z.ZodType>(
  previous: EventDefinition<Type, Old>,
  schema: Schema,
  upcast: (data: z.infer<Old>, context: UpcastContext) => z.infer<Schema>,
): EventDefinition<Type, Schema> {
  return {
    type: previous.type,
    schemaVersion: previous.schemaVersion + 1,
    stream: previous.stream,
    schema,
    previous: { definition: previous, upcast: upcast as never },
  }
}

/**
 * The calendar date (UTC) of the moment an event was recorded: the business date of old event versions that
 * carried none of their own, the best the log knows about them.
 */
export const recordedDate = (context: UpcastContext): string => context.recordedAt.toISOString().slice(0, 10)

/** A requisite's text (a name, an address, a bank): bounded so the read models store it whole. */
const requisiteText = z.string().min(1).max(1000)
/** A requisite's number (ИНН, КПП, ОГРН, БИК, an account): its checksums are checked by the command, not here. */
const requisiteNumber = z.string().min(1).max(32)

/**
 * An organisation's requisites (реквизиты), as far as given: organisations' data, never a child's. The commands check
 * their checksums; the events store what was accepted, so a log read later never refuses one.
 */
export const requisites = z.object({
  fullName: requisiteText.optional(),
  shortName: requisiteText.optional(),
  inn: requisiteNumber.optional(),
  kpp: requisiteNumber.optional(),
  ogrn: requisiteNumber.optional(),
  legalAddress: requisiteText.optional(),
  settlementAccount: requisiteNumber.optional(),
  bankName: requisiteText.optional(),
  bik: requisiteNumber.optional(),
  correspondentAccount: requisiteNumber.optional(),
  headName: requisiteText.optional(),
  headTitle: requisiteText.optional(),
})
/** The fields of `requisites`, in the order documents print them. */
export const REQUISITE_FIELDS = Object.keys(requisites.shape) as [keyof typeof requisites.shape, ...(keyof typeof requisites.shape)[]]
