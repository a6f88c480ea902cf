-- The delivery side: one row per (cause, person, channel, type), its content written at enqueue
-- time, and its send state. In-app notifications are the inApp rows (status Sent at once).
-- sending_since is set and committed before each network send: a row found with it at start was
-- interrupted mid-send and is failed (never re-sent automatically).
CREATE TABLE notification_deliveries (
  id                TEXT PRIMARY KEY,
  source_message_id TEXT NOT NULL,
  correlation_id    TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  type              TEXT NOT NULL,
  category          TEXT NOT NULL,
  channel           TEXT NOT NULL,
  status            TEXT NOT NULL,
  address           TEXT NOT NULL,
  language          TEXT NOT NULL,
  timezone          TEXT NOT NULL,
  user_name         TEXT NOT NULL,
  subject           TEXT NOT NULL,
  body_text         TEXT NOT NULL,
  body_html         TEXT NOT NULL,
  variant           TEXT NOT NULL,
  unsubscribe_url   TEXT NOT NULL,
  digest_at         BIGINT,
  digest_id         TEXT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   BIGINT,
  sending_since     BIGINT,
  last_error        TEXT NOT NULL DEFAULT '',
  created_at        BIGINT NOT NULL,
  sent_at           BIGINT,
  read_at           BIGINT,
  UNIQUE (source_message_id, user_id, channel, type)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
CREATE INDEX notification_deliveries_user ON notification_deliveries (user_id, channel, created_at);
CREATE INDEX notification_deliveries_digest ON notification_deliveries (digest_id);

-- What the simulated providers (sms, push, and email without an SMTP host) would have sent.
CREATE TABLE notification_simulated_sends (
  id          TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL,
  channel     TEXT NOT NULL,
  address     TEXT NOT NULL,
  subject     TEXT NOT NULL,
  body        TEXT NOT NULL,
  sent_at     BIGINT NOT NULL
);
CREATE INDEX notification_simulated_sends_delivery ON notification_simulated_sends (delivery_id);
