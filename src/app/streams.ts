/** Stream names: one place, so every module spells them the same way. */
export const streams = {
  municipality: (municipality: string) => `municipality-${municipality}`,
  certificate: (number: string) => `certificate-${number}`,
  provider: (providerId: string) => `provider-${providerId}`,
  /** A payer organisation of the registry and its requisites. */
  payer: (payerId: string) => `payer-${payerId}`,
  programme: (programmeId: string) => `programme-${programmeId}`,
  group: (groupId: string) => `group-${groupId}`,
  contract: (contractId: string) => `contract-${contractId}`,
  idempotency: (keyHash: string) => `idempotency-${keyHash}`,
  settlement: (municipality: string) => `settlement-${municipality}`,
  invoice: (invoiceId: string) => `invoice-${invoiceId}`,
  /** Not `payer-…`: that name belongs to the payer's own registry stream. */
  paymentOrders: (payerId: string, year: number) => `payment-orders-${payerId}-${year}`,
}
