-- Every integration message, as received, in one hash chain (docs/api/audit.md). Append-only:
-- the triggers refuse UPDATE and DELETE, whoever asks.
CREATE TABLE audit_records (
  sequence INTEGER PRIMARY KEY,          -- 1, 2, 3, ... without gaps; the chain's order
  message_id TEXT NOT NULL UNIQUE,
  topic TEXT NOT NULL,
  type TEXT NOT NULL,
  version INTEGER NOT NULL,
  occurred_at TEXT NOT NULL,             -- the envelope's text, as sent
  occurred_ms INTEGER NOT NULL,          -- the same instant, for range filters (not hashed)
  correlation_id TEXT NOT NULL,
  causation_id TEXT NOT NULL,
  envelope TEXT NOT NULL,                -- the envelope's JSON as received
  recorded_at TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
-- Every list filter is an index lookup; the sequence in each keeps the order without a sort.
CREATE INDEX audit_records_type ON audit_records (type, sequence);
CREATE INDEX audit_records_topic ON audit_records (topic, sequence);
CREATE INDEX audit_records_correlation ON audit_records (correlation_id, sequence);
CREATE INDEX audit_records_occurred ON audit_records (occurred_ms, sequence);

CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN
  SELECT RAISE(ABORT, 'audit_records is append-only');
END;
CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN
  SELECT RAISE(ABORT, 'audit_records is append-only');
END;
