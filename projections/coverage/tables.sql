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
  accepted_on        date,             -- enrolled from the later of the start and the acceptance
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

-- Every type change of a certificate with its business date: the type on a date is the last change on or before it
-- (accounting before the first).
CREATE TABLE {{schema}}.type_changes (
  certificate_number text   NOT NULL,
  position           bigint NOT NULL,  -- the event's global position: orders changes of one day
  changed_on         date   NOT NULL,
  type               text   NOT NULL,
  PRIMARY KEY (certificate_number, position)
);

-- Every change of the nominal a certificate holds for a period, with its business date: a certificate holds a
-- financing certificate's nominal on a date when its changes on or before that date add up to more than zero.
CREATE TABLE {{schema}}.financing_changes (
  certificate_number text   NOT NULL,
  period_id          text   NOT NULL,
  position           bigint NOT NULL,
  municipality       text   NOT NULL,
  effective_on       date   NOT NULL,
  change             bigint NOT NULL,  -- kopecks: + credited, − withdrawn (type change, freeze)
  PRIMARY KEY (certificate_number, period_id, position)
);
CREATE INDEX ON {{schema}}.financing_changes (municipality, effective_on);
