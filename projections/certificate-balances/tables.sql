-- Certificate balances: per certificate its lifecycle, per certificate and period its money (kopecks),
-- per contract what it holds on the certificate, and per period the financing places and the queue.
CREATE TABLE {{schema}}.certificates (
  certificate_number text PRIMARY KEY,
  municipality       text    NOT NULL,
  birth_date         date    NOT NULL,
  issued_on          date    NOT NULL,
  requested_type     text    NOT NULL,
  type               text    NOT NULL,
  active             boolean NOT NULL,
  activated_on       date,
  frozen_in          text,
  last_position      bigint  NOT NULL
);
CREATE INDEX ON {{schema}}.certificates (municipality);

CREATE TABLE {{schema}}.certificate_balances (
  certificate_number text   NOT NULL,
  period_id          text   NOT NULL,
  nominal            bigint NOT NULL,
  reserved           bigint NOT NULL,
  spent              bigint NOT NULL,
  balance            bigint NOT NULL,
  last_position      bigint NOT NULL,
  PRIMARY KEY (certificate_number, period_id)
);

CREATE TABLE {{schema}}.certificate_contracts (
  certificate_number text   NOT NULL,
  contract_id        text   NOT NULL,
  period_id          text,
  status             text,
  reserved           bigint NOT NULL,
  PRIMARY KEY (certificate_number, contract_id)
);

CREATE TABLE {{schema}}.financing_periods (
  municipality   text    NOT NULL,
  period_id      text    NOT NULL,
  start_date     date    NOT NULL,
  end_date       date    NOT NULL,
  nominal        bigint  NOT NULL,
  financing_cap  integer NOT NULL,
  nominal_limit  bigint,
  payer_id       text    NOT NULL,
  places_taken   integer NOT NULL,
  queue_length   integer NOT NULL,
  last_position  bigint  NOT NULL,
  PRIMARY KEY (municipality, period_id)
);

CREATE TABLE {{schema}}.financing_queue (
  municipality        text   NOT NULL,
  period_id           text   NOT NULL,
  certificate_number  text   NOT NULL,
  queued_on           date   NOT NULL,
  queued_at_position  bigint NOT NULL,
  PRIMARY KEY (municipality, period_id, certificate_number)
);
