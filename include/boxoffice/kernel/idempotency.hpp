#pragma once
// Idempotency-Key (docs/architecture.md, HTTP conventions) on POSTs that reserve, order or pay: the same key with the
// same request replays the stored response for 24 hours; the same key with another request is
// 422. Keys are scoped per caller, so two users may pick the same key.
//
// The record is written in the same transaction as the change it answers for: a replay never
// answers for a change that was not committed, and a committed change is never made twice.
// The kernel creates the table `idempotency_keys` in every store (beside the outbox).
//
// Two ways to use it:
//   - A handler's write transaction: `lookup(tx, key, fingerprint, now)` returns the response to
//     replay, or nullopt to go ahead (422 for another request); after the change,
//     `save(tx, key, {fingerprint, status, body, now})`.
//   - A single writer that decides in memory (inventory's engine) keeps a `Cache`, loaded at
//     start, and writes through it inside its batch transaction.
// Times are Unix milliseconds from the module's injected Clock (`ModuleDeps::clock`).
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <soci/soci.h>
#include <string>
#include <string_view>
#include <tuple>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/problem.hpp"

namespace boxoffice::idempotency {

inline constexpr std::int64_t kRetentionMs = 24LL * 3600 * 1000;
inline constexpr std::size_t kMaxKeyLength = 255;

// The table, created by Database::migrate in every store.
extern const std::string_view kSchema;

// The Idempotency-Key header if sent. An empty or longer than 255 characters key, or one with
// control characters, is recorded in `validation` under "Idempotency-Key".
std::optional<std::string> keyFrom(const http::Request& request, json::Validation& validation);

// What was asked, for comparing two requests under one key: the fields that decide the answer,
// in order (SHA-256 hex of them joined by newlines).
std::string fingerprint(std::initializer_list<std::string_view> parts);

struct Key {
  std::string scope;  // whose key: the caller's user id
  std::string key;
  // Not a defaulted <=>: clang-tidy 14 misreads its synthesized comparison as a literal 0.
  bool operator<(const Key& other) const { return std::tie(scope, key) < std::tie(other.scope, other.key); }
};

struct StoredResponse {
  std::string fingerprint;
  int status = 200;
  std::string body;
  std::int64_t createdAtMs = 0;
};

// 422 idempotency-key-reused.
Problem keyReused();

// The header that tells a client its answer is a replay of the stored one.
inline constexpr std::string_view kReplayedHeader = "Idempotent-Replayed";
// Marks `response` as a replay (every module answers a replay the same way).
inline void markReplayed(http::Response& response) { response.headers[std::string(kReplayedHeader)] = "true"; }

// The decision for a key: nullopt when nothing (or only an expired record) is stored, so the
// request goes ahead; the stored response when it was made by the same request (replay);
// throws keyReused() when it was made by another one.
std::optional<StoredResponse> decide(const std::optional<StoredResponse>& stored, std::string_view fingerprint,
                                     std::int64_t nowMs);

std::optional<StoredResponse> find(soci::session& sql, const Key& key);
// decide(find(...)) inside a write transaction.
std::optional<StoredResponse> lookup(Tx& tx, const Key& key, std::string_view fingerprint, std::int64_t nowMs);
void save(Tx& tx, const Key& key, const StoredResponse& response);
// Deletes records past the retention.
void prune(Tx& tx, std::int64_t nowMs);
std::map<Key, StoredResponse> loadUnexpired(soci::session& sql, std::int64_t nowMs);

// The records of one store in memory, for a single writer that answers without a read per
// request. Not thread-safe: only the writer (under the store's write lock) touches it.
class Cache {
 public:
  void load(soci::session& sql, std::int64_t nowMs) { records_ = loadUnexpired(sql, nowMs); }
  // As decide(), from memory.
  std::optional<StoredResponse> lookup(const Key& key, std::string_view fingerprint, std::int64_t nowMs) const;
  // Saves in `tx` and remembers; a command rolled back on its own calls forget().
  void remember(Tx& tx, const Key& key, StoredResponse response);
  void forget(const Key& key) { records_.erase(key); }
  // Drops expired records from the table and from memory, at most once an hour.
  void prune(Tx& tx, std::int64_t nowMs);
  std::size_t size() const { return records_.size(); }

 private:
  std::map<Key, StoredResponse> records_;
  std::int64_t lastPruneMs_ = 0;
};

}  // namespace boxoffice::idempotency
