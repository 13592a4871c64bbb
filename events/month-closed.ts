import { z } from 'zod'
import { count, defineEvent, entityId, isoDate, isoMonth, key } from './common.ts'

/** The last step of a month close: every write-off, settlement, closure and invoice of the month is written. */
export const MonthClosed = defineEvent(
  'MonthClosed',
  1,
  'settlement-{municipality}',
  z.object({
    municipality: entityId,
    month: isoMonth,
    closedOn: isoDate,
    contractsWrittenOff: count,
    contractsClosed: count,
    requestsExpired: count,
    finalInvoices: z.array(key),
    advanceInvoices: z.array(key),
  }),
)
