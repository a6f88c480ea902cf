-- Inventory: per-event seat counts by price category, holds, an audit trail and idempotency
-- records. The CHECK constraints restate the invariant the engine keeps, so a bug can never
-- commit an oversold category. 64-bit columns are BIGINT: SOCI reads a declared INTEGER as a
-- 32-bit int.
CREATE TABLE inventories (
  event_id TEXT PRIMARY KEY,
  event_name TEXT NOT NULL,
  organizer_id TEXT NOT NULL,
  status TEXT NOT NULL,
  starts_at_ms BIGINT NOT NULL,
  max_tickets_per_user INTEGER NOT NULL,
  reservation_timeout_minutes INTEGER NOT NULL,
  low_inventory_threshold INTEGER NOT NULL,
  last_minute_reservation_minutes INTEGER NOT NULL,
  version BIGINT NOT NULL,
  source_version BIGINT NOT NULL,
  low_inventory_alerted INTEGER NOT NULL DEFAULT 0,
  sold_out_alerted INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);

CREATE TABLE categories (
  event_id TEXT NOT NULL REFERENCES inventories(event_id),
  category_id TEXT NOT NULL,
  name TEXT NOT NULL,
  price_amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  position INTEGER NOT NULL,
  total INTEGER NOT NULL,
  available INTEGER NOT NULL,
  reserved INTEGER NOT NULL,
  sold INTEGER NOT NULL,
  PRIMARY KEY (event_id, category_id),
  CHECK (available >= 0 AND reserved >= 0 AND sold >= 0 AND available + reserved + sold = total)
);

CREATE TABLE reservations (
  reservation_id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES inventories(event_id),
  category_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  ticket_count INTEGER NOT NULL CHECK (ticket_count > 0),
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  reserved_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('Reserved', 'Confirmed', 'Expired', 'Cancelled')),
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX reservations_active ON reservations(expires_at_ms) WHERE status = 'Reserved';
CREATE INDEX reservations_by_event_user ON reservations(event_id, user_id);
CREATE INDEX reservations_by_event ON reservations(event_id, reserved_at_ms);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  action TEXT NOT NULL,
  user_id TEXT NOT NULL,
  reservation_id TEXT,
  category_id TEXT,
  ticket_count INTEGER NOT NULL,
  available INTEGER NOT NULL,
  reserved INTEGER NOT NULL,
  sold INTEGER NOT NULL,
  at TEXT NOT NULL,
  correlation_id TEXT NOT NULL
);
CREATE INDEX audit_by_event ON audit_log(event_id, seq);

-- Idempotency-Key records for reserve: the same key and body replay the stored answer (24 h).
CREATE TABLE idempotency (
  user_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, idempotency_key)
);
