-- The events catalogue (seed 000 EventManagement, seed 003 Concert service).
-- Times are Unix milliseconds (sortable integers, same in PostgreSQL as BIGINT); the API
-- renders them as RFC 3339 UTC. Price categories are stored as a JSON array: this module never
-- queries inside them (the inventory module owns seat counting), it only returns them.

CREATE TABLE categories (
  slug TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

INSERT INTO categories (slug, name, created_at) VALUES
  ('concert', 'Concert', 0),
  ('theatre', 'Theatre', 0),
  ('sports', 'Sports', 0),
  ('conference', 'Conference', 0),
  ('festival', 'Festival', 0),
  ('comedy', 'Comedy', 0),
  ('other', 'Other', 0);

CREATE TABLE events (
  seq INTEGER PRIMARY KEY,          -- SQLite rowid; the search index refers to it
  id TEXT NOT NULL UNIQUE,          -- the public UUID
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL REFERENCES categories(slug),
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  timezone TEXT NOT NULL,
  venue_name TEXT NOT NULL,
  venue_address TEXT NOT NULL DEFAULT '',
  venue_city TEXT NOT NULL,
  venue_country TEXT NOT NULL,
  max_capacity BIGINT NOT NULL CHECK (max_capacity BETWEEN 1 AND 1000000),
  price_categories TEXT NOT NULL DEFAULT '[]',
  organizer_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('Draft', 'Published', 'Cancelled', 'Completed')),
  is_active INTEGER NOT NULL DEFAULT 1, -- seed 000 IsActive: 0 = soft-deleted
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT,
  version BIGINT NOT NULL DEFAULT 1,    -- the ETag; every change increments it
  CHECK (ends_at > starts_at)
);

-- The public list: Published, not deleted, by date or name; and its filters.
CREATE INDEX events_public_by_start ON events(status, starts_at, id) WHERE is_active = 1;
CREATE INDEX events_public_by_name ON events(status, name COLLATE NOCASE, id) WHERE is_active = 1;
CREATE INDEX events_by_category ON events(category, status, starts_at) WHERE is_active = 1;
CREATE INDEX events_by_city ON events(venue_city COLLATE NOCASE, status, starts_at) WHERE is_active = 1;
CREATE INDEX events_by_organizer ON events(organizer_id, starts_at);
CREATE INDEX events_ending ON events(status, ends_at) WHERE is_active = 1;

-- Full-text search over name, description, venue name, city and category. Diacritics and
-- case are folded ("cafe" finds "Café"). Kept in step with `events` by the triggers below, in
-- the same transaction as every write.
CREATE VIRTUAL TABLE events_search USING fts5(
  name, description, venue, city, category,
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER events_search_insert AFTER INSERT ON events BEGIN
  INSERT INTO events_search (rowid, name, description, venue, city, category)
  VALUES (new.seq, new.name, new.description, new.venue_name, new.venue_city, new.category);
END;

CREATE TRIGGER events_search_update AFTER UPDATE OF name, description, venue_name, venue_city, category ON events
BEGIN
  DELETE FROM events_search WHERE rowid = old.seq;
  INSERT INTO events_search (rowid, name, description, venue, city, category)
  VALUES (new.seq, new.name, new.description, new.venue_name, new.venue_city, new.category);
END;

CREATE TRIGGER events_search_delete AFTER DELETE ON events BEGIN
  DELETE FROM events_search WHERE rowid = old.seq;
END;

-- One-time markers (e.g. "demo data loaded"), so loading is idempotent.
CREATE TABLE module_flags (
  name TEXT PRIMARY KEY,
  set_at BIGINT NOT NULL
);
