-- More than one instance on one PostgreSQL database (docs/architecture.md#more-than-one-instance):
-- the instance that holds the inventory writer's lock decides seats, and writes here where the
-- others send seat commands. `epoch` counts the owners there have been (each takeover adds one),
-- so the log tells one ownership from the next, and an owner that lost its database session
-- and got the lock back knows whether another owner came and went meanwhile (it must not decide
-- seats on its stale copy then). On SQLite (one instance) it stays empty.
CREATE TABLE owner_lease (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  instance_id TEXT NOT NULL,
  advertise_url TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  acquired_at TEXT NOT NULL
);
