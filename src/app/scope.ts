import type { Caller } from '../auth/tokens.ts'
import { type DomainErrorCode, refuse } from '../domain/errors.ts'

// Tenant scope, decided here and nowhere else (the API's routes, the application's commands and the workspace's
// pages ask this module). Operators, auditors and reporting jobs reach everything their route lets them; a provider
// reaches its own provider's contracts, groups and invoices; a payer reaches what its own financing periods pay
// for: the contracts and invoices addressed to it, the certificates holding money of its periods, and the months of
// those periods to close. Another tenant's resource answers exactly like one that does not exist (404), so nothing
// leaks through 404 against 403; a role a route does not admit at all is refused by the route (403).

/** A resource of some tenant, with the facts that say whose it is. */
export type Owned =
  | { kind: 'contract'; id: string; providerId: string; payerId: string | null }
  | { kind: 'invoice'; id: string; providerId: string; payerId: string }
  | { kind: 'provider'; id: string }
  /** A payer organisation itself: a payer acts only for itself (an agreement it concludes). */
  | { kind: 'payer'; id: string }
  | { kind: 'group'; id: string; providerId: string }
  /** `payers`: the payers of the periods the certificate holds money in, or whose contracts it has. */
  | { kind: 'certificate'; id: string; payers: readonly string[] }
  /** `payers`: the payers of the municipality's periods; aggregates (coverage) and its lists. */
  | { kind: 'municipality'; id: string; payers: readonly string[] }
  /** A month to close: `payer` is the payer of the financing period that contains it (null when none does). */
  | { kind: 'month'; id: string; payer: string | null }

const NOT_FOUND: Record<Owned['kind'], DomainErrorCode> = {
  contract: 'contract_not_found',
  invoice: 'invoice_not_found',
  provider: 'provider_not_found',
  payer: 'payer_not_found',
  group: 'group_not_found',
  certificate: 'certificate_not_found',
  municipality: 'municipality_not_found',
  month: 'municipality_not_found',
}

/** Whether the caller reaches the resource; internal work (no caller: a process, an import) reaches everything. */
export function reaches(caller: Caller | null | undefined, r: Owned): boolean {
  if (!caller) return true
  switch (caller.role) {
    case 'operator':
    case 'auditor':
    case 'reporting':
      return true
    case 'provider':
      switch (r.kind) {
        case 'contract':
        case 'invoice':
        case 'group':
          return r.providerId === caller.providerId
        case 'provider':
          return r.id === caller.providerId
        default:
          return false
      }
    case 'payer':
      switch (r.kind) {
        case 'contract':
        case 'invoice':
          return r.payerId === caller.payerId
        case 'certificate':
        case 'municipality':
          return r.payers.includes(caller.payerId!)
        case 'month':
          return r.payer === caller.payerId
        case 'provider':
          return true // a payer reads a provider's invoices addressed to it (filtered by `payerFilter`)
        case 'payer':
          return r.id === caller.payerId
        default:
          return false
      }
  }
}

/** Refuses a resource the caller does not reach as if it did not exist (404 with the kind's own code). */
export function requireReach(caller: Caller | null | undefined, r: Owned): void {
  if (!reaches(caller, r)) refuse(NOT_FOUND[r.kind], r.kind === 'month' ? `no month ${r.id} to close` : `no ${r.kind} ${r.id}`)
}

/** What a list shows the caller: only its own provider's or payer's rows (null: no restriction). */
export function providerFilter(caller: Caller | null | undefined): string | null {
  return caller?.role === 'provider' ? caller.providerId : null
}
export function payerFilter(caller: Caller | null | undefined): string | null {
  return caller?.role === 'payer' ? caller.payerId : null
}

/**
 * Whether the caller reaches an organisation's registry card (its name and requisites, public data of a legal
 * entity that both parties print on their documents): a payer reaches itself and the providers, a provider itself
 * and the payers; another payer or provider answers as missing.
 */
function reachesOrganisation(caller: Caller | null | undefined, kind: 'payer' | 'provider', id: string): boolean {
  if (!caller || caller.role === 'operator' || caller.role === 'auditor' || caller.role === 'reporting') return true
  if (caller.role === 'payer') return kind === 'provider' || id === caller.payerId
  return kind === 'payer' || id === caller.providerId
}

export function requireOrganisationReach(caller: Caller | null | undefined, kind: 'payer' | 'provider', id: string): void {
  if (!reachesOrganisation(caller, kind, id)) refuse(kind === 'payer' ? 'payer_not_found' : 'provider_not_found', `no ${kind} ${id}`)
}
