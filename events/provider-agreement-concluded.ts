import { z } from 'zod'
import { defineEvent, entityId, isoDate } from './common.ts'

/** The provider and the payer signed the agreement for a period: financing contracts may now be paid. */
export const ProviderAgreementConcluded = defineEvent(
  'ProviderAgreementConcluded',
  1,
  'provider-{providerId}',
  z.object({ providerId: entityId, payerId: entityId, municipality: entityId, periodId: entityId, concludedOn: isoDate }),
)
