-- Idempotency-Key records now live in the kernel's idempotency_keys table (every store has one,
-- created before module migrations run). The records already stored move there unchanged, so a
-- retry sent across the upgrade still replays its answer; the module's own table goes.
INSERT OR IGNORE INTO idempotency_keys (scope, idempotency_key, fingerprint, status, body, created_at_ms)
  SELECT user_id, idempotency_key, request_hash, status, body, created_at_ms FROM idempotency;
DROP TABLE idempotency;
