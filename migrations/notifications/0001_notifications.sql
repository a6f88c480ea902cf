-- The notifications module's read model, built from messages only (so the module works the same
-- when the bus is a broker), and the users' preferences.
CREATE TABLE notification_users (
  user_id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  display_name TEXT NOT NULL
);

CREATE TABLE notification_events (
  event_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  organizer_id TEXT NOT NULL,
  starts_at TEXT NOT NULL,
  ends_at TEXT NOT NULL,
  timezone TEXT NOT NULL,
  venue_name TEXT NOT NULL,
  venue_city TEXT NOT NULL,
  status TEXT NOT NULL
);

-- One row per completed order: OrderCompleted adds it, OrderCancelled or a full refund removes it.
CREATE TABLE notification_buyers (
  order_id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  ticket_count INTEGER NOT NULL
);
CREATE INDEX notification_buyers_event ON notification_buyers (event_id, user_id);

-- A user's preferences (the JSON document of GET /api/v1/notifications/preferences without
-- the address); absent: the defaults.
CREATE TABLE notification_preferences (
  user_id TEXT PRIMARY KEY,
  document TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);

-- Generated development secrets (notifications.unsubscribeKey when none is configured).
CREATE TABLE notification_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Organizers' announcements (POST /api/v1/events/{id}/announcements), kept for the record.
CREATE TABLE notification_announcements (
  announcement_id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  recipients INTEGER NOT NULL,
  created_at TEXT NOT NULL
);

-- Reminders sent: once per (event, user, start); a rescheduled event has a new start and is
-- reminded again.
CREATE TABLE notification_reminders_sent (
  event_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  starts_at TEXT NOT NULL,
  sent_at TEXT NOT NULL,
  PRIMARY KEY (event_id, user_id, starts_at)
);
CREATE INDEX notification_events_start ON notification_events (status, starts_at);
