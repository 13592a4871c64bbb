-- Sessions of the workspace (the web pages at /): kept in the database so that any of several servers on one
-- database serves any request. The cookie carries a random secret; only its SHA-256 is stored. A session stands for
-- the token it was opened with: revoking the token ends its sessions too (the join in every lookup).
CREATE TABLE ledger.web_sessions (
  session_hash text        PRIMARY KEY CHECK (session_hash ~ '^[0-9a-f]{64}$'),
  token_id     uuid        NOT NULL REFERENCES ledger.api_tokens (token_id),
  csrf_token   text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  ended_at     timestamptz
);
CREATE INDEX web_sessions_expiry ON ledger.web_sessions (expires_at);
