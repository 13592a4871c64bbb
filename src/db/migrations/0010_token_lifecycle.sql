-- Tokens may carry an expiry; a token past it authenticates no one, like a revoked one. Listing and revoking
-- need no new columns: revoked_at is there since 0002.
ALTER TABLE ledger.api_tokens
  ADD COLUMN expires_at timestamptz,
  ADD CONSTRAINT api_tokens_expiry_after_creation CHECK (expires_at IS NULL OR expires_at > created_at);
