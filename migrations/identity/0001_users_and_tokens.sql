-- Identity: users, refresh tokens and module settings (the generated development JWT key).
-- Portable SQL (SQLite and PostgreSQL). Times are Unix milliseconds: they sort and compare as
-- numbers, and the API formats them as RFC 3339.

CREATE TABLE users (
  id              TEXT PRIMARY KEY,            -- UUID
  email           TEXT NOT NULL,               -- normalized: trimmed, lower-case
  display_name    TEXT NOT NULL,
  password_hash   TEXT NOT NULL,               -- argon2id encoded string, salt included
  roles           TEXT NOT NULL,               -- "Admin,User": a small fixed set, read with the user
  created_at_ms   BIGINT NOT NULL,
  updated_at_ms   BIGINT NOT NULL
);
-- One account per email, also under concurrent registration (the loser gets a 409).
CREATE UNIQUE INDEX users_email_uq ON users (email);
CREATE INDEX users_created_idx ON users (created_at_ms, id);

-- Refresh tokens are stored only as SHA-256 hashes. Each login starts a family; every refresh
-- marks the presented token 'used' and adds its successor to the same family. Presenting a 'used'
-- token again means it was stolen (or replayed): the whole family is revoked.
CREATE TABLE refresh_tokens (
  id              TEXT PRIMARY KEY,
  family_id       TEXT NOT NULL,
  user_id         TEXT NOT NULL REFERENCES users (id),
  token_hash      TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('active', 'used', 'revoked')),
  created_at_ms   BIGINT NOT NULL,
  expires_at_ms   BIGINT NOT NULL,
  used_at_ms      BIGINT
);
CREATE UNIQUE INDEX refresh_tokens_hash_uq ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id, expires_at_ms);

CREATE TABLE identity_settings (
  name            TEXT PRIMARY KEY,
  value           TEXT NOT NULL
);
