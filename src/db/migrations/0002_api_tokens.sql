-- Bearer tokens for the HTTP API. Only the SHA-256 of a token is stored; the token itself is shown once.
CREATE TABLE ledger.api_tokens (
  token_id    uuid        PRIMARY KEY,
  token_hash  text        NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  role        text        NOT NULL CHECK (role IN ('operator', 'payer', 'provider', 'auditor', 'reporting')),
  provider_id text,
  payer_id    text,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  CHECK (role <> 'provider' OR provider_id IS NOT NULL),
  CHECK (role <> 'payer' OR payer_id IS NOT NULL)
);
