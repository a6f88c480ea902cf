-- One counter, raised by every write of the catalogue (EventService::noteChange) in the same
-- transaction. An instance sharing this database (PostgreSQL, more than one instance) reads it
-- every events.cachePollMilliseconds and drops its in-memory documents and list totals when it
-- moved: the caches assume one writer otherwise (document_cache.hpp).
CREATE TABLE catalogue_changes (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n  BIGINT NOT NULL
);
INSERT INTO catalogue_changes (id, n) VALUES (1, 0);
