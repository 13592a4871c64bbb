import { z } from 'zod'
import { defineEvent, entityId, isoDate, isoMonth } from './common.ts'

/** The last step of a month close: every write-off, settlement, closure and invoice of the month is written. */
export const MonthClosed = defineEvent(
  'MonthClosed',
  1,
  'settlement-{municipality}',
  z.object({
    municipality: entityId,
    month: isoMonth,
    closedOn: isoDate,
    contractsWrittenOff: z.number().int().nonnegative(),
    contractsClosed: z.number().int().nonnegative(),
    requestsExpired: z.number().int().nonnegative(),
    finalInvoices: z.array(z.string()),
    advanceInvoices: z.array(z.string()),
  }),
)
