#pragma once
// The audit_records table: appending to the chain, the Admin's searches, and streaming reads in
// sequence order (verify, replay) that hold one chunk in memory at a time.
#include <cstdint>
#include <functional>
#include <optional>
#include <soci/soci.h>
#include <string>
#include <vector>

#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "chain.hpp"

namespace boxoffice::audit::store {

// Appends `message` (its JSON as received: `envelope`) to the chain inside `tx`. The last hash is
// read from the table in `tx`, never cached: a savepoint rolled back takes its record with it.
// A message id already recorded is not recorded again (returns false).
bool append(Tx& tx, const Envelope& message, const std::string& envelope, const std::string& recordedAt);

struct ListFilter {
  std::optional<std::string> type;
  std::optional<std::string> topic;
  std::optional<std::string> correlationId;
  std::optional<std::int64_t> fromMs;  // occurredAt >= from
  std::optional<std::int64_t> toMs;    // occurredAt <= to
};
// Newest first.
std::vector<Record> list(soci::session& sql, const ListFilter& filter, const PageRequest& page, std::int64_t& total);
// Oldest first; every record of one correlation id.
std::vector<Record> story(soci::session& sql, const std::string& correlationId, std::size_t limit);

// Records with occurredAt in [fromMs, toMs] and (types empty or) a type in `types`.
struct ReplayFilter {
  std::int64_t fromMs = 0;
  std::int64_t toMs = 0;
  std::vector<std::string> types;
};
std::int64_t countMatching(soci::session& sql, const ReplayFilter& filter);
// Calls `chunk` with up to `chunkSize` records at a time, in sequence order.
void forEachMatching(Database& db, const ReplayFilter& filter, std::size_t chunkSize,
                     const std::function<void(std::vector<Record>&)>& chunk);

// Every record in sequence order, `chunkSize` at a time (keyset paging: constant memory).
// `each` returns false to stop.
void forEachRecord(Database& db, std::size_t chunkSize, const std::function<bool(const Record&)>& each);

}  // namespace boxoffice::audit::store
