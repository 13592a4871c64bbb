-- Provider invoices: per payer, provider and month the advance and the final invoice, their lines and payments.
-- Filled by the monthly settlement's events.
CREATE TABLE {{schema}}.invoices (
  invoice_id       text   PRIMARY KEY,
  kind             text   NOT NULL,  -- advance | final
  payer_id         text   NOT NULL,
  provider_id      text   NOT NULL,
  municipality     text   NOT NULL,
  month            text   NOT NULL,  -- YYYY-MM
  number           text   NOT NULL,
  issued_on        date   NOT NULL,
  total            bigint NOT NULL,
  advance_deducted bigint NOT NULL,
  amount_due       bigint NOT NULL,
  amount_paid      bigint NOT NULL,
  overdue_paid     bigint NOT NULL,   -- paid after the deadline (the 10th)
  refunded         bigint NOT NULL,   -- shortfalls returned to certificates once paid in full
  settled_on       date,              -- final: the day its shortfalls returned (the payment that settled it)
  deducted_on      date,              -- advance: the day the month's final invoice deducted what was paid of it
  last_position    bigint NOT NULL
);
CREATE INDEX ON {{schema}}.invoices (provider_id, month);
CREATE INDEX ON {{schema}}.invoices (municipality, month);

CREATE TABLE {{schema}}.invoice_lines (
  invoice_id         text    NOT NULL,
  contract_id        text    NOT NULL,
  month              text    NOT NULL,  -- the contract month the line pays (a late acceptance brings earlier months)
  certificate_number text    NOT NULL,
  contract_date      date,
  month_amount       bigint  NOT NULL,
  completeness_bp    integer NOT NULL,  -- basis points: 10000 = 100 %
  line_amount        bigint  NOT NULL,
  PRIMARY KEY (invoice_id, contract_id, month)
);

CREATE TABLE {{schema}}.payments (
  payment_id      text    PRIMARY KEY,
  invoice_id      text    NOT NULL,
  amount          bigint  NOT NULL,
  paid_on         date    NOT NULL,
  payment_order   text    NOT NULL,
  overdue         boolean NOT NULL,
  reversed        boolean NOT NULL,  -- reversed later by a PaymentReversed (storno)
  reversed_on     date,              -- the reversal's date
  last_position   bigint  NOT NULL
);
CREATE INDEX ON {{schema}}.payments (invoice_id);

CREATE TABLE {{schema}}.invoice_corrections (
  invoice_id          text   NOT NULL,  -- the final invoice that carries the correction
  correction_id       text   PRIMARY KEY,
  contract_id         text   NOT NULL,
  certificate_number  text   NOT NULL,
  month               text   NOT NULL,  -- the corrected contract month
  corrects_invoice_id text   NOT NULL,  -- the invoice that carried the month's line
  amount              bigint NOT NULL   -- signed difference, included in the invoice total
);
CREATE INDEX ON {{schema}}.invoice_corrections (invoice_id);

CREATE TABLE {{schema}}.month_closes (
  municipality  text   NOT NULL,
  month         text   NOT NULL,  -- YYYY-MM
  closed_on     date   NOT NULL,
  last_position bigint NOT NULL,
  PRIMARY KEY (municipality, month)
);
