import { REQUISITE_FIELDS } from '../../events/index.ts'
import type { IsoDate } from './dates.ts'
import { event } from './decider.ts'
import { refuse } from './errors.ts'
import type { OrganisationKind, Requisites } from './organisation.ts'
import { requisitesProblems } from './requisites.ts'

// An organisation's requisites through time, as its stream records them: the set given at registration (in force
// from the beginning of history), then each change with the day it takes effect. Each change records the whole set
// in force from its day, so a document of any date reads one entry, and what a change meant is never recomputed.

export interface RequisitesEntry {
  /** null: given at registration, in force from the beginning of history. */
  effectiveOn: IsoDate | null
  requisites: Partial<Requisites>
}

/** A change as a caller asks for it: the fields to set, and null for a field to remove. */
export type RequisitesPatch = { [K in keyof Requisites]?: string | null }

/** The requisites in force on a date: the entry with the latest `effectiveOn` not after it (of equal days, the later recorded). */
export function requisitesOn(timeline: readonly RequisitesEntry[], date: IsoDate): Partial<Requisites> {
  let best: RequisitesEntry | undefined
  for (const entry of timeline) {
    if (entry.effectiveOn !== null && entry.effectiveOn > date) continue
    if (!best || (entry.effectiveOn ?? '') >= (best.effectiveOn ?? '')) best = entry
  }
  return best ? { ...best.requisites } : {}
}

/** The requisites in force after every change recorded, whatever its date: what a list shows as current. */
export function latestRequisites(timeline: readonly RequisitesEntry[]): Partial<Requisites> {
  return requisitesOn(timeline, '9999-12-31')
}

/** Refuses requisites that fail a checksum or a cross-check (422 naming every bad field under `requisites.`). */
export function requireValidRequisites(r: Partial<Requisites>): void {
  const problems = requisitesProblems(r)
  if (problems.length === 0) return
  refuse('requisites_invalid', problems.map((p) => `requisites.${p.field}: ${p.message}`).join('; '), {
    field: `requisites.${problems[0]!.field}`,
    errors: problems.map((p) => ({ location: 'body', path: `requisites.${p.field}`, message: p.message })),
  })
}

/** Requisites without the fields given as undefined (what an event stores and a fold compares). */
export function compactRequisites(r: Partial<Requisites> | RequisitesPatch | undefined): Partial<Requisites> {
  const out: Partial<Requisites> = {}
  for (const field of REQUISITE_FIELDS) {
    const value = r?.[field]
    if (typeof value === 'string') out[field] = value
  }
  return out
}

/**
 * Decides a change of requisites from a date: the patch merged into the set in force on that date, checked whole
 * (an account against a new БИК), and refused when it changes nothing.
 */
export function decideRequisitesChange(
  kind: OrganisationKind,
  organisationId: string,
  timeline: readonly RequisitesEntry[],
  effectiveOn: IsoDate,
  patch: RequisitesPatch,
) {
  const before = requisitesOn(timeline, effectiveOn)
  const after: Partial<Requisites> = { ...before }
  const changed: (keyof Requisites)[] = []
  for (const field of REQUISITE_FIELDS) {
    if (!(field in patch) || patch[field] === undefined) continue
    const value = patch[field]
    if ((value ?? undefined) === before[field]) continue
    changed.push(field)
    if (value === null) delete after[field]
    else after[field] = value
  }
  if (changed.length === 0) refuse('requisites_unchanged', `the requisites of ${kind} ${organisationId} in force on ${effectiveOn} already are these`)
  requireValidRequisites(after)
  return [event('OrganisationRequisitesChanged', { kind, organisationId, effectiveOn, requisites: after, changed })]
}
