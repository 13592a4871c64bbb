import { z } from 'zod'
import { requisitesInput, requisitesPatch } from '../../app/fields.ts'
import { date } from '../schemas.ts'

// What the registry's routes take and answer about an organisation's requisites (payers' and providers' alike).

/** A change of requisites from a date. */
export const requisitesChangeBody = z.strictObject({
  effectiveOn: date.describe('the day the change takes effect: documents of that day and later use the new requisites'),
  requisites: requisitesPatch,
})

const requisitesOut = requisitesInput.partial()

/** An organisation's card as of a date. */
export const organisationCard = z.object({
  kind: z.enum(['payer', 'provider']),
  id: z.string(),
  municipality: z.string(),
  name: z.string(),
  on: z.string().nullable().describe('the business date the requisites are in force on; null: the latest recorded'),
  requisites: requisitesOut,
  missing: z.array(z.string()).describe('the requisites a payment document needs that are not given (empty: complete)'),
})

export { requisitesInput }
