-- "Oldest first" must be exact: two accounts created in the same millisecond used to fall back
-- to their random UUIDs, so a page could list them in either order. signup_seq numbers accounts
-- in the order they were created (assigned inside the single writer's insert transaction).
ALTER TABLE users ADD COLUMN signup_seq BIGINT;
UPDATE users SET signup_seq = (
  SELECT COUNT(*) FROM users AS earlier
  WHERE earlier.created_at_ms < users.created_at_ms
     OR (earlier.created_at_ms = users.created_at_ms AND earlier.id <= users.id));
CREATE UNIQUE INDEX users_signup_seq_uq ON users (signup_seq);
DROP INDEX users_created_idx;
