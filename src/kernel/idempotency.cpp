#include "boxoffice/kernel/idempotency.hpp"

#include <algorithm>

#include "boxoffice/kernel/ids.hpp"

namespace boxoffice::idempotency {

namespace {
constexpr std::int64_t kPruneIntervalMs = 3600LL * 1000;
constexpr const char* kHeader = "Idempotency-Key";
}  // namespace

const std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (scope, idempotency_key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys(created_at_ms);
)sql";

std::optional<std::string> keyFrom(const http::Request& request, json::Validation& validation) {
  auto key = request.header(kHeader);
  if (!key) return std::nullopt;
  bool printable = std::ranges::all_of(*key, [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7F; });
  if (key->empty() || key->size() > kMaxKeyLength || !printable) {
    validation.add(kHeader, "must be 1 to " + std::to_string(kMaxKeyLength) + " printable characters");
  }
  return key;
}

std::string fingerprint(std::initializer_list<std::string_view> parts) {
  std::string joined;
  bool first = true;
  for (auto part : parts) {
    if (!first) joined += '\n';
    joined += part;
    first = false;
  }
  return sha256Hex(joined);
}

Problem keyReused() {
  return {422, "idempotency-key-reused", "Idempotency-Key reused with a different request.",
          "This Idempotency-Key was used with another body; use a new key for a new request."};
}

std::optional<StoredResponse> decide(const std::optional<StoredResponse>& stored, std::string_view fingerprint,
                                     std::int64_t nowMs) {
  if (!stored || stored->createdAtMs < nowMs - kRetentionMs) return std::nullopt;
  if (stored->fingerprint != fingerprint) throw keyReused();
  return stored;
}

std::optional<StoredResponse> find(soci::session& sql, const Key& key) {
  StoredResponse stored;
  sql << "SELECT fingerprint, status, body, created_at_ms FROM idempotency_keys "
         "WHERE scope = :scope AND idempotency_key = :key",
      soci::into(stored.fingerprint), soci::into(stored.status), soci::into(stored.body),
      soci::into(stored.createdAtMs), soci::use(key.scope), soci::use(key.key);
  if (!sql.got_data()) return std::nullopt;
  return stored;
}

std::optional<StoredResponse> lookup(Tx& tx, const Key& key, std::string_view fingerprint, std::int64_t nowMs) {
  return decide(find(tx.sql(), key), fingerprint, nowMs);
}

void save(Tx& tx, const Key& key, const StoredResponse& response) {
  // An expired record of the same key gives way to the new one (an upsert both SQLite and
  // PostgreSQL accept).
  tx.exec(
      "INSERT INTO idempotency_keys (scope, idempotency_key, fingerprint, status, body, created_at_ms) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, idempotency_key) DO UPDATE SET fingerprint = "
      "excluded.fingerprint, status = excluded.status, body = excluded.body, created_at_ms = excluded.created_at_ms",
      key.scope, key.key, response.fingerprint, response.status, response.body, response.createdAtMs);
}

void prune(Tx& tx, std::int64_t nowMs) {
  tx.exec("DELETE FROM idempotency_keys WHERE created_at_ms < ?", nowMs - kRetentionMs);
}

std::map<Key, StoredResponse> loadUnexpired(soci::session& sql, std::int64_t nowMs) {
  std::map<Key, StoredResponse> records;
  std::int64_t since = nowMs - kRetentionMs;
  soci::rowset<soci::row> found = (sql.prepare << "SELECT scope, idempotency_key, fingerprint, status, body, "
                                                  "created_at_ms FROM idempotency_keys WHERE created_at_ms >= :since",
                                   soci::use(since));
  for (const auto& r : found) {
    records[{rows::text(r, 0), rows::text(r, 1)}] = {rows::text(r, 2), static_cast<int>(rows::integer(r, 3)),
                                                     rows::text(r, 4), rows::integer(r, 5)};
  }
  return records;
}

std::optional<StoredResponse> Cache::lookup(const Key& key, std::string_view fingerprint, std::int64_t nowMs) const {
  auto it = records_.find(key);
  return decide(it == records_.end() ? std::nullopt : std::optional(it->second), fingerprint, nowMs);
}

void Cache::remember(Tx& tx, const Key& key, StoredResponse response) {
  save(tx, key, response);
  records_[key] = std::move(response);
}

void Cache::prune(Tx& tx, std::int64_t nowMs) {
  if (nowMs - lastPruneMs_ < kPruneIntervalMs) return;
  idempotency::prune(tx, nowMs);
  std::erase_if(records_, [&](const auto& entry) { return entry.second.createdAtMs < nowMs - kRetentionMs; });
  lastPruneMs_ = nowMs;
}

}  // namespace boxoffice::idempotency
