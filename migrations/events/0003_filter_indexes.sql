-- Filtered lists are ordered by (starts_at, id). Indexes that end in those columns let SQLite
-- walk the filter's index in order and stop after one page; without `id` it fell back to the
-- date index and filtered row by row (7 ms instead of 0.1 ms for category + city over 10,000
-- events; docs/performance.md).
DROP INDEX events_by_category;
DROP INDEX events_by_city;
DROP INDEX events_by_organizer;
CREATE INDEX events_by_category ON events(category, status, starts_at, id) WHERE is_active = 1;
CREATE INDEX events_by_city ON events(venue_city COLLATE NOCASE, status, starts_at, id) WHERE is_active = 1;
CREATE INDEX events_by_organizer ON events(organizer_id, starts_at, id) WHERE is_active = 1;
