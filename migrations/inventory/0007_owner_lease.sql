-- More than one instance on one PostgreSQL database (docs/architecture.md#more-than-one-instance):
-- the instance that holds the inventory writer's lock decides seats, and writes here where the
-- others send seat commands. `epoch` counts the owners there have been (each takeover adds one),
-- so logs and /ready tell one ownership from the next. On SQLite (one instance) it stays empty.
CREATE TABLE owner_lease (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  instance_id TEXT NOT NULL,
  advertise_url TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  acquired_at TEXT NOT NULL
);
