-- Organisations of the registry: payers and providers, and each one's requisites through time.
CREATE TABLE {{schema}}.organisations (
  kind            text   NOT NULL,  -- payer | provider
  organisation_id text   NOT NULL,
  municipality    text   NOT NULL,
  name            text   NOT NULL,
  provider_kind   text,             -- a provider's: municipal | private | individual-entrepreneur; null for a payer
  last_position   bigint NOT NULL,
  PRIMARY KEY (kind, organisation_id)
);
CREATE INDEX ON {{schema}}.organisations (municipality);

-- One row per set of requisites recorded: at registration (effective_on null: from the beginning of history) and at
-- each change (the whole set in force from effective_on).
CREATE TABLE {{schema}}.organisation_requisites (
  kind                  text   NOT NULL,
  organisation_id       text   NOT NULL,
  recorded_position     bigint NOT NULL,  -- the global position of the event that recorded the set
  effective_on          date,
  full_name             text,
  short_name            text,
  inn                   text,
  kpp                   text,
  ogrn                  text,
  legal_address         text,
  settlement_account    text,
  bank_name             text,
  bik                   text,
  correspondent_account text,
  head_name             text,
  head_title            text,
  PRIMARY KEY (kind, organisation_id, recorded_position)
);
