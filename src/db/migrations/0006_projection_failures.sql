-- A projection never stops silently on an event. An event whose schema refuses its data is left out by every
-- projection alike (recorded here once per projection, so `projections status` and `verify` name it); an event the
-- schemas accept that a projection still cannot apply stops that projection at it, recorded in `failures` until it
-- applies, so `/ready`, `projections status` and `verify` name the projection and the event while the runner backs off.
CREATE TABLE projections.skipped_events (
  name            text        NOT NULL,
  global_position bigint      NOT NULL,
  event_id        uuid        NOT NULL,
  event_type      text        NOT NULL,
  stream_id       text        NOT NULL,
  reason          text        NOT NULL,
  skipped_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, event_id)
);

CREATE TABLE projections.failures (
  name            text        PRIMARY KEY,
  global_position bigint      NOT NULL,
  event_id        uuid        NOT NULL,
  event_type      text        NOT NULL,
  stream_id       text        NOT NULL,
  error           text        NOT NULL,
  first_failed_at timestamptz NOT NULL DEFAULT now(),
  last_failed_at  timestamptz NOT NULL DEFAULT now(),
  attempts        integer     NOT NULL DEFAULT 1
);
