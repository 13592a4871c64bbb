/**
 * Every refusal of the ledger: a stable machine-readable code, an HTTP status class (409: the state conflicts,
 * 422: a rule forbids it, 404: the thing does not exist) and a sentence for a person.
 */
export const DOMAIN_ERRORS = {
  municipality_not_found: 404,
  period_not_found: 404,
  certificate_not_found: 404,
  provider_not_found: 404,
  payer_not_found: 404,
  programme_not_found: 404,
  group_not_found: 404,
  contract_not_found: 404,
  period_already_open: 409,
  period_dates_invalid: 422,
  period_overlaps: 409,
  certificate_already_issued: 409,
  certificate_already_active: 409,
  certificate_not_active: 422,
  certificate_frozen: 422,
  certificate_not_frozen: 409,
  certificate_already_frozen: 409,
  certificate_type_unchanged: 409,
  certificate_has_money_in_use: 422,
  certificate_has_running_contracts: 422,
  certificate_not_financing: 422,
  certificate_already_credited: 409,
  certificate_already_queued: 409,
  unfreeze_in_same_period: 422,
  child_age_outside_5_to_18: 422,
  wrong_municipality: 422,
  financing_cap_reached: 409,
  nominal_limit_reached: 409,
  provider_already_registered: 409,
  payer_already_registered: 409,
  requisites_invalid: 422,
  requisites_unchanged: 409,
  organisation_unknown: 422,
  agreement_already_concluded: 409,
  programme_already_registered: 409,
  programme_not_certified: 422,
  group_already_opened: 409,
  group_dates_invalid: 422,
  price_above_limit: 422,
  group_full: 409,
  duplicate_contract: 409,
  no_agreement: 422,
  start_outside_group: 422,
  start_outside_period: 422,
  end_outside_group: 422,
  backdated_request: 422,
  no_certificate_funds: 422,
  contract_already_requested: 409,
  request_abandoned: 409,
  contract_not_requested: 409,
  contract_not_running: 409,
  contract_already_accepted: 409,
  contract_closed: 409,
  contract_refused: 409,
  termination_date_invalid: 422,
  acceptance_date_invalid: 422,
  idempotency_key_reused: 409,
  month_already_closed: 409,
  month_out_of_order: 409,
  close_date_invalid: 422,
  invoice_not_found: 404,
  requisites_incomplete: 422,
  overpayment: 422,
  advance_settled: 409,
  payment_settled: 409,
  payment_id_reused: 409,
  payment_not_found: 404,
  payment_already_reversed: 409,
  payment_before_invoice: 422,
  payment_order_reused: 409,
  reversal_before_payment: 422,
  attendance_closed: 409,
  month_not_settled: 409,
  correction_changes_nothing: 409,
  correction_raises_line: 422,
  attendance_invalid: 422,
  month_outside_contract: 422,
  amount_invalid: 400,
  date_invalid: 400,
} as const

export type DomainErrorCode = keyof typeof DOMAIN_ERRORS

export class DomainError extends Error {
  readonly status: number
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'DomainError'
    this.status = DOMAIN_ERRORS[code]
  }
}

export const refuse = (code: DomainErrorCode, message: string, details?: Record<string, unknown>): never => {
  throw new DomainError(code, message, details)
}
