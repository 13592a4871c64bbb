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
  last_position   bigint  NOT NULL
);
CREATE INDEX ON {{schema}}.payments (invoice_id);
