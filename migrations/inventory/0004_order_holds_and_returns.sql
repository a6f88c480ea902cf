-- The checkout saga (issue 9). Reservations learn which order placed them (`order_id`), how many
-- of their sold seats came back (`returned_count`, a refund or a chargeback; status `Returned`
-- once all did) and the correlation id of the request or command that placed them (expiry
-- messages carry it). SQLite cannot alter a CHECK, so the table is rebuilt: create, copy, drop,
-- rename, and the indexes again. Rows from before get no order, nothing returned and no
-- correlation id. The categories table, and its invariant CHECK, are untouched.
CREATE TABLE reservations_v4 (
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
  status TEXT NOT NULL CHECK (status IN ('Reserved', 'Confirmed', 'Expired', 'Cancelled', 'Returned')),
  updated_at_ms BIGINT NOT NULL,
  order_id TEXT,
  returned_count INTEGER NOT NULL DEFAULT 0 CHECK (returned_count >= 0 AND returned_count <= ticket_count),
  correlation_id TEXT NOT NULL DEFAULT '',
  -- Only sold seats come back, and Returned means all of them did.
  CHECK (returned_count = 0 OR status IN ('Confirmed', 'Returned')),
  CHECK ((status = 'Returned') = (returned_count = ticket_count))
);
INSERT INTO reservations_v4 (reservation_id, event_id, category_id, user_id, session_id, ticket_count, amount,
                             currency, reserved_at_ms, expires_at_ms, status, updated_at_ms)
  SELECT reservation_id, event_id, category_id, user_id, session_id, ticket_count, amount, currency,
         reserved_at_ms, expires_at_ms, status, updated_at_ms
  FROM reservations;
DROP TABLE reservations;
ALTER TABLE reservations_v4 RENAME TO reservations;
CREATE INDEX reservations_active ON reservations(expires_at_ms) WHERE status = 'Reserved';
CREATE INDEX reservations_by_event ON reservations(event_id, reserved_at_ms);
CREATE INDEX reservations_by_order ON reservations(order_id) WHERE order_id IS NOT NULL;

-- The saga's commands that must answer a repeat with the first answer, not a fresh decision:
-- a ConfirmSeats (by order id: a confirmation that failed must not sell on a retry, after the
-- payment was refunded), a refused HoldSeats (by order id) and a ReturnSeats (by return id).
CREATE TABLE saga_replies (
  command TEXT NOT NULL,  -- HoldSeats | ConfirmSeats | ReturnSeats
  command_key TEXT NOT NULL,  -- order id, or return id for ReturnSeats
  order_id TEXT NOT NULL,
  reply_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (command, command_key)
);
