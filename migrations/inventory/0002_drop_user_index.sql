-- reservations_by_event_user was only read by the start-up scan that rebuilds each buyer's
-- ticket count (a full scan either way). Keyed by random user ids, it cost every reservation a
-- write to a random index page, and under a ticket rush those page writes, not the fsync,
-- bounded durable holds/s. The per-user limit is enforced in memory by the single writer.
DROP INDEX reservations_by_event_user;
