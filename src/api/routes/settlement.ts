import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ProjectionReader } from '../../../projections/read.ts'
import type { Application } from '../../app/context.ts'
import { closeMonth } from '../../app/month-close.ts'
import { recordPayment, reversePayment } from '../../app/payments.ts'
import { commandContext, sendOutcome } from '../commands.ts'
import { notAfterToday } from '../reads.ts'
import { amount, amountOut, commandHeaders, date, id, money, month } from '../schemas.ts'

export const settlementRoutes: FastifyPluginAsync<{ ledger: Application; reader: ProjectionReader; timeZone: string }> = async (
  app,
  { ledger, reader, timeZone },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.post(
    '/v1/settlement/:municipality/:month/close',
    {
      config: { roles: ['operator', 'payer'] },
      schema: {
        summary: 'Close a month: write-offs, settled lines, final invoices of the month, advance invoices of the next, closures, expired requests',
        description:
          'Deterministic and idempotent: closing a month twice appends nothing the second time; after a crash it finishes what was missing. ' +
          'Months close in order (month_out_of_order). closedOn defaults to the first day of the next month; December closes within December.',
        tags: ['settlement'],
        security: [{ bearer: [] }],
        params: z.object({ municipality: id, month }),
        headers: commandHeaders,
        body: z.strictObject({ closedOn: date.optional() }).default({}),
        response: {
          200: z.object({
            streamId: z.string(),
            version: z.number().int().nullable(),
            municipality: z.string(),
            month: z.string(),
            closedOn: z.string(),
            contractsWrittenOff: z.number().int(),
            contractsClosed: z.number().int(),
            requestsExpired: z.number().int(),
            finalInvoices: z.array(z.string()),
            advanceInvoices: z.array(z.string()),
            alreadyClosed: z.boolean(),
          }),
        },
      },
    },
    async (request, reply) => {
      const { municipality, month: m } = request.params
      const outcome = await closeMonth(
        ledger,
        commandContext(request),
        { municipality, month: m, closedOn: request.body.closedOn ?? defaultCloseDate(m) },
        (x) => reader.contracts.openIds(x),
      )
      return sendOutcome(reply, 200, outcome, outcome, ledger)
    },
  )
  r.post(
    '/v1/invoices/:invoiceId/payments',
    {
      config: { roles: ['payer', 'operator'] },
      schema: {
        summary: 'Record a payment of an invoice: partial payments allowed, overpayment refused, late ones flagged overdue',
        description:
          'When a final invoice is paid in full, each line below 100 % returns its shortfall to its certificate, once. A payment cannot be dated ' +
          'before the invoice was issued (payment_before_invoice) nor after today in LEDGER_TIME_ZONE (date_in_future); a payment order number ' +
          'is used once per payer and calendar year (payment_order_reused).',
        tags: ['settlement'],
        security: [{ bearer: [] }],
        params: z.object({ invoiceId: z.string().min(1).max(200) }),
        headers: commandHeaders,
        body: z.strictObject({ amount, paidOn: date, paymentOrder: z.string().min(1).max(50), paymentId: z.string().min(1).max(100).optional() }),
        response: {
          201: z.object({
            streamId: z.string(),
            version: z.number().int().nullable(),
            invoiceId: z.string(),
            paymentId: z.string(),
            overdue: z.boolean(),
            paid: amountOut,
            outstanding: amountOut,
            refunds: z.number().int().describe('lines whose shortfall returned to the certificate'),
          }),
        },
      },
    },
    async (request, reply) => {
      notAfterToday(request.body.paidOn, 'paidOn', timeZone)
      const result = await recordPayment(ledger, commandContext(request), { invoiceId: request.params.invoiceId, ...request.body })
      return sendOutcome(reply, 201, result, { ...result, paid: money(result.paid), outstanding: money(result.outstanding) }, ledger)
    },
  )
  r.post(
    '/v1/invoices/:invoiceId/payments/:paymentId/reversal',
    {
      config: { roles: ['payer', 'operator'] },
      schema: {
        summary: 'Reverse (storno) a payment recorded by mistake: a new event referring to it; the amount is owed again',
        tags: ['settlement'],
        security: [{ bearer: [] }],
        params: z.object({ invoiceId: z.string().min(1).max(200), paymentId: z.string().min(1).max(100) }),
        headers: commandHeaders,
        body: z.strictObject({ reversedOn: date, reason: z.string().min(1).max(500) }),
        response: {
          201: z.object({ streamId: z.string(), version: z.number().int().nullable(), invoiceId: z.string(), paid: amountOut, outstanding: amountOut }),
        },
      },
    },
    async (request, reply) => {
      notAfterToday(request.body.reversedOn, 'reversedOn', timeZone)
      const result = await reversePayment(ledger, commandContext(request), { ...request.params, ...request.body })
      return sendOutcome(reply, 201, result, { ...result, paid: money(result.paid), outstanding: money(result.outstanding) }, ledger)
    },
  )
}

/** The first day of the next month; for December its last day (December closes within the budget year). */
export function defaultCloseDate(m: string): string {
  if (m.endsWith('-12')) return `${m}-31`
  const [y, mo] = m.split('-').map(Number) as [number, number]
  return `${y}-${String(mo + 1).padStart(2, '0')}-01`
}
