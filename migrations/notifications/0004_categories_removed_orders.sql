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
