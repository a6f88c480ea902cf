-- Admission: tickets (one per sold seat), the keys that sign their QR codes, check-ins, scanner
-- grants, transfers, and per-event admission settings. Times are Unix milliseconds.

-- One Ed25519 key pair per organizer is active (retired_at NULL); retired keys still verify the
-- tickets they signed. The secret key is sealed (libsodium secretbox) under tickets.keyEncryptionKey.
CREATE TABLE admission_keys (
  key_id        TEXT PRIMARY KEY,
  organizer_id  TEXT NOT NULL,
  public_key    TEXT NOT NULL,  -- base64url, 32 bytes
  sealed_secret TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  retired_at    BIGINT
);
CREATE UNIQUE INDEX admission_keys_active ON admission_keys (organizer_id) WHERE retired_at IS NULL;

-- Per event: whether tickets may be transferred; `version` is the settings' ETag (an event with
-- no row has never had them set: ETag "0").
CREATE TABLE admission_events (
  event_id          TEXT PRIMARY KEY,
  transfers_allowed INTEGER NOT NULL DEFAULT 1,
  version           BIGINT NOT NULL DEFAULT 1,
  updated_at        BIGINT NOT NULL
);

-- list_version: a module-wide sequence stamped on a ticket at every change, so an offline gate can
-- ask for what changed since its copy (the check-in list's version is the event's highest).
-- issue_key makes issuing idempotent: "<orderId>/<categoryId>/<n>" for the n-th seat of a
-- category of an order, "transfer/<transferId>" for a ticket a transfer made.
CREATE TABLE tickets (
  ticket_id        TEXT PRIMARY KEY,
  issue_key        TEXT NOT NULL UNIQUE,
  order_id         TEXT NOT NULL,
  event_id         TEXT NOT NULL,
  category_id      TEXT NOT NULL,
  category_name    TEXT NOT NULL,
  holder_user_id   TEXT NOT NULL,
  holder_name      TEXT NOT NULL,
  buyer_user_id    TEXT NOT NULL,
  code             TEXT NOT NULL UNIQUE,
  status           TEXT NOT NULL CHECK (status IN ('Valid', 'CheckedIn', 'Voided', 'Transferred')),
  key_id           TEXT NOT NULL REFERENCES admission_keys (key_id),
  payload          TEXT NOT NULL,
  transferred_from TEXT,
  issued_at        BIGINT NOT NULL,
  checked_in_at    BIGINT,
  checked_in_gate  TEXT,
  checked_in_by    TEXT,
  voided_at        BIGINT,
  void_reason      TEXT,
  list_version     BIGINT NOT NULL
);
CREATE INDEX tickets_by_holder ON tickets (holder_user_id, issued_at);
CREATE INDEX tickets_by_event ON tickets (event_id, list_version);
CREATE INDEX tickets_by_order ON tickets (order_id, category_id);
CREATE INDEX tickets_by_key ON tickets (key_id, event_id);

-- Every scan, admitted or not: the door's own record (stats, disputes).
CREATE TABLE checkins (
  id          INTEGER PRIMARY KEY,
  ticket_id   TEXT NOT NULL,
  event_id    TEXT NOT NULL,
  gate        TEXT NOT NULL,
  scanned_at  BIGINT NOT NULL,
  scanned_by  TEXT NOT NULL,
  source      TEXT NOT NULL CHECK (source IN ('online', 'offline')),
  outcome     TEXT NOT NULL,
  recorded_at BIGINT NOT NULL
);
CREATE INDEX checkins_by_event ON checkins (event_id, scanned_at);

-- Accounts an organizer lets scan tickets at one event.
CREATE TABLE scanners (
  event_id   TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  email      TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  granted_at BIGINT NOT NULL,
  PRIMARY KEY (event_id, user_id)
);
CREATE INDEX scanners_by_user ON scanners (user_id);

-- A transfer to someone without an account waits for them to claim it with the emailed token
-- (only its hash is kept). A transfer to an account completes at once.
CREATE TABLE transfers (
  transfer_id   TEXT PRIMARY KEY,
  ticket_id     TEXT NOT NULL,
  event_id      TEXT NOT NULL,
  from_user_id  TEXT NOT NULL,
  to_email      TEXT NOT NULL,
  to_user_id    TEXT,
  status        TEXT NOT NULL CHECK (status IN ('Pending', 'Completed', 'Cancelled')),
  token_hash    TEXT,
  new_ticket_id TEXT,
  created_at    BIGINT NOT NULL,
  completed_at  BIGINT
);
CREATE INDEX transfers_by_sender ON transfers (from_user_id, created_at);
CREATE UNIQUE INDEX transfers_by_token ON transfers (token_hash) WHERE token_hash IS NOT NULL;

-- Returns (refunds, chargebacks) already applied: inventory may answer a repeated ReturnSeats
-- with its stored SeatsReturned under a new message id, which must void nothing more.
CREATE TABLE ticket_returns (
  return_id  TEXT PRIMARY KEY,
  order_id   TEXT NOT NULL,
  applied_at BIGINT NOT NULL
);

CREATE TABLE ticket_settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
