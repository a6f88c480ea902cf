-- PostgreSQL form of 0003_idempotency_keys.sql: ON CONFLICT DO NOTHING for SQLite's INSERT OR IGNORE.
INSERT INTO idempotency_keys (scope, idempotency_key, fingerprint, status, body, created_at_ms)
  SELECT user_id, idempotency_key, request_hash, status, body, created_at_ms FROM idempotency
  ON CONFLICT DO NOTHING;
DROP TABLE idempotency;
