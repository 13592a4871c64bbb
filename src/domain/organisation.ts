// What a Russian payment document needs of an organisation (a payer or a provider): organisations' data, never
// children's. The registry keeps these as events with the date they take effect; documents read them through an
// `OrganisationLookup` as of the document's business date.

/** An organisation's requisites (реквизиты). */
export interface Requisites {
  /** Полное наименование. */
  fullName: string
  /** Сокращённое наименование. */
  shortName: string
  /** ИНН: 10 digits for an organisation, 12 for an individual entrepreneur. */
  inn: string
  /** КПП: an individual entrepreneur has none. */
  kpp?: string
  /** ОГРН (13 digits) or ОГРНИП (15). */
  ogrn: string
  legalAddress: string
  /** Расчётный счёт, 20 digits. */
  settlementAccount: string
  bankName: string
  /** БИК, 9 digits. */
  bik: string
  /** Корреспондентский счёт, 20 digits. */
  correspondentAccount: string
  /** Руководитель: name and title for the signature block. */
  headName: string
  headTitle: string
}

export type OrganisationKind = 'payer' | 'provider'

/** An organisation as a document of one business date sees it: its requisites in force that day, as far as given. */
export interface Organisation {
  kind: OrganisationKind
  id: string
  name: string
  requisites: Partial<Requisites>
}

/** Finds an organisation as of a business date (YYYY-MM-DD); undefined when the registry does not know it. */
export type OrganisationLookup = (kind: OrganisationKind, id: string, onDate: string) => Promise<Organisation | undefined>

const REQUIRED_FOR_DOCUMENTS: readonly (keyof Requisites)[] = [
  'fullName',
  'shortName',
  'inn',
  'ogrn',
  'legalAddress',
  'settlementAccount',
  'bankName',
  'bik',
  'correspondentAccount',
  'headName',
  'headTitle',
]

/** The requisites a payment document cannot be made without that this organisation lacks (КПП is required of a 10-digit ИНН). */
export function missingRequisites(organisation: Organisation): (keyof Requisites)[] {
  const given = organisation.requisites
  const missing = REQUIRED_FOR_DOCUMENTS.filter((field) => !given[field])
  if (given.inn?.length === 10 && !given.kpp) missing.push('kpp')
  return missing
}
