-- Contracts: one row per contract with its quote (kopecks) and monthly schedule.
CREATE TABLE {{schema}}.contracts (
  contract_id        text    PRIMARY KEY,
  certificate_number text    NOT NULL,
  group_id           text    NOT NULL,
  programme_id       text    NOT NULL,
  provider_id        text    NOT NULL,
  payer_id           text,
  municipality       text    NOT NULL,
  period_id          text    NOT NULL,
  kind               text    NOT NULL,
  direction          text    NOT NULL,
  requested_on       date    NOT NULL,
  start_date         date    NOT NULL,
  end_date           date    NOT NULL,
  status             text    NOT NULL,
  accepted_on        date,
  refused_on         date,
  refusal_reason     text,
  terminated_on      date,
  terminated_by      text,
  last_month         text,
  closes_on          date,
  closed_on          date,
  quote              jsonb   NOT NULL,
  schedule           jsonb   NOT NULL,
  certificate_part   bigint  NOT NULL,
  parent_part        bigint  NOT NULL,
  released           bigint  NOT NULL,
  written_off        bigint  NOT NULL,
  pending_corrections integer NOT NULL,  -- corrections not yet carried by a final invoice
  last_position      bigint  NOT NULL
);
CREATE INDEX ON {{schema}}.contracts (certificate_number);
CREATE INDEX ON {{schema}}.contracts (provider_id, status);
CREATE INDEX ON {{schema}}.contracts (municipality);
