-- Access tokens signed out before their expiry (identity/revoked_tokens.hpp). Kept until the
-- token would have expired anyway, so the table holds at most one token lifetime of sign-outs.
-- Durable so that a restart, or another instance on the same database, refuses them too.
CREATE TABLE revoked_access_tokens (
  jwt_id        TEXT PRIMARY KEY,
  expires_at    BIGINT NOT NULL,
  revoked_at_ms BIGINT NOT NULL
);
CREATE INDEX revoked_access_tokens_by_expiry ON revoked_access_tokens (expires_at);
