-- PostgreSQL form of 0001_audit.sql: the same table (64-bit integers; `sequence` is numbered by
-- the module, as on SQLite, whose rowid alias would number it only when left out), and the
-- append-only triggers as a PL/pgSQL function.
CREATE TABLE audit_records (
  sequence BIGINT PRIMARY KEY,          -- 1, 2, 3, ... without gaps; the chain's order
  message_id TEXT NOT NULL UNIQUE,
  topic TEXT NOT NULL,
  type TEXT NOT NULL,
  version BIGINT NOT NULL,
  occurred_at TEXT NOT NULL,             -- the envelope's text, as sent
  occurred_ms BIGINT NOT NULL,          -- the same instant, for range filters (not hashed)
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

CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_records is append-only';
END;
$$;
CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
