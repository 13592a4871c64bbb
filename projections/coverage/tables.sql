-- Coverage statistics: who holds which certificate, who is enrolled where and when, the population, the
-- financing periods and the nominals held. The counting (each child once) is done by the reporting functions.
CREATE TABLE {{schema}}.children (
  certificate_number text PRIMARY KEY,
  municipality       text   NOT NULL,
  birth_date         date   NOT NULL,
  issued_on          date   NOT NULL,
  type               text   NOT NULL,
  last_position      bigint NOT NULL
);
CREATE INDEX ON {{schema}}.children (municipality);

CREATE TABLE {{schema}}.enrolments (
  contract_id        text   PRIMARY KEY,
  certificate_number text   NOT NULL,
  municipality       text   NOT NULL,
  provider_id        text   NOT NULL,
  programme_id       text   NOT NULL,
  direction          text   NOT NULL,
  kind               text   NOT NULL,
  start_date         date   NOT NULL,
  end_date           date   NOT NULL,  -- the last day attended: the contract end, or the close after a termination
  status             text   NOT NULL,
  last_position      bigint NOT NULL
);
CREATE INDEX ON {{schema}}.enrolments (municipality, start_date, end_date);

CREATE TABLE {{schema}}.population (
  municipality text    NOT NULL,
  year         integer NOT NULL,
  children     integer NOT NULL,
  PRIMARY KEY (municipality, year)
);

CREATE TABLE {{schema}}.periods (
  municipality  text    NOT NULL,
  period_id     text    NOT NULL,
  start_date    date    NOT NULL,
  end_date      date    NOT NULL,
  nominal       bigint  NOT NULL,
  financing_cap integer NOT NULL,
  nominal_limit bigint,
  PRIMARY KEY (municipality, period_id)
);

CREATE TABLE {{schema}}.financing (
  certificate_number text   NOT NULL,
  period_id          text   NOT NULL,
  municipality       text   NOT NULL,
  nominal            bigint NOT NULL,
  PRIMARY KEY (certificate_number, period_id)
);
