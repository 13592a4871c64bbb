-- The log. Every fact of the ledger is one row here; nothing is ever changed or removed.
CREATE TABLE ledger.events (
  global_position bigint GENERATED ALWAYS AS IDENTITY,
  stream_id       text        NOT NULL CHECK (length(stream_id) BETWEEN 1 AND 200),
  stream_position bigint      NOT NULL CHECK (stream_position >= 0),
  event_id        uuid        NOT NULL,
  type            text        NOT NULL,
  schema_version  integer     NOT NULL CHECK (schema_version >= 1),
  data            jsonb       NOT NULL,
  metadata        jsonb       NOT NULL,
  recorded_at     timestamptz NOT NULL,
  -- the writing transaction: readers of the global log order by (transaction_id, global_position)
  -- and read only below the oldest running transaction, so a late commit is never skipped
  transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
  prev_hash       text        NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash            text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (stream_id, stream_position),
  CONSTRAINT events_event_id_unique UNIQUE (event_id),
  CONSTRAINT events_global_position_unique UNIQUE (global_position)
);

CREATE INDEX events_commit_order ON ledger.events (transaction_id, global_position);

-- Append-only, enforced by the database itself rather than by convention.
CREATE FUNCTION ledger.refuse_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger.events is append-only: % is refused', TG_OP
    USING ERRCODE = 'P0001', HINT = 'correct a fact with a new, compensating event';
END;
$$;

CREATE TRIGGER events_refuse_update_delete
  BEFORE UPDATE OR DELETE ON ledger.events
  FOR EACH ROW EXECUTE FUNCTION ledger.refuse_event_change();

CREATE TRIGGER events_refuse_truncate
  BEFORE TRUNCATE ON ledger.events
  FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_event_change();
