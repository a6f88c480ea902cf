-- The names of an event's price categories ({"vip":"VIP", ...}), so an order confirmation lists
-- "2 × VIP" rather than the category's id. Events stored before this migration show the id until
-- their next message.
ALTER TABLE notification_events ADD COLUMN category_names TEXT NOT NULL DEFAULT '{}';

-- Orders that left the buyers (cancelled, fully refunded). A replayed OrderCompleted (audit
-- replay after the inbox forgot it) must not bring such an order back.
CREATE TABLE notification_removed_orders (
  order_id TEXT PRIMARY KEY
);

-- The Admin's delivery list without filters is newest first.
CREATE INDEX notification_deliveries_created ON notification_deliveries (created_at, id);

-- Announcements are fanned out by a background worker in batches: where it got to (`cursor`,
-- the last user id written) and when it was done. Announcements stored before this migration were
-- written whole when they were posted.
ALTER TABLE notification_announcements ADD COLUMN event_name TEXT NOT NULL DEFAULT '';
ALTER TABLE notification_announcements ADD COLUMN correlation_id TEXT NOT NULL DEFAULT '';
ALTER TABLE notification_announcements ADD COLUMN cursor TEXT NOT NULL DEFAULT '';
ALTER TABLE notification_announcements ADD COLUMN finished_at TEXT;
UPDATE notification_announcements SET finished_at = created_at;
CREATE INDEX notification_announcements_pending ON notification_announcements (finished_at, created_at);

-- The event's version from its messages: an older message (a retry, a replay) arriving after a
-- newer one does not take the event back (e.g. a cancelled event back to Published).
ALTER TABLE notification_events ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
