import { z } from 'zod'
import { defineEvent, entityId, requisites } from './common.ts'

/**
 * A payer (плательщик: the authorised body of a municipality that pays the providers' invoices, an organisation)
 * joined the registry, with the requisites given at registration (in force from the beginning of history). A
 * financing period may name a payer before it is registered: the registry only adds its name and requisites.
 */
export const PayerRegistered = defineEvent(
  'PayerRegistered',
  1,
  'payer-{payerId}',
  z.object({
    payerId: entityId,
    municipality: entityId,
    name: z.string().min(1).max(300),
    requisites: requisites.optional(),
  }),
)
