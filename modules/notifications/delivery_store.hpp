#pragma once
// notification_deliveries and notification_simulated_sends (migrations/notifications/0003).
// Plain functions over a session or a Tx; times are Unix milliseconds.
#include <cstdint>
#include <optional>
#include <soci/soci.h>
#include <string>
#include <vector>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/paging.hpp"

namespace boxoffice::notifications::store {

struct DeliveryRow {
  std::string id, sourceMessageId, correlationId, userId, type, category, channel, status, address, language, timezone,
      userName, subject, text, html, variant, unsubscribeUrl;
  std::optional<std::int64_t> digestAt;
  std::string digestId;
  int attempts = 0;
  std::optional<std::int64_t> nextAttemptAt, sendingSince;
  std::string lastError;
  std::int64_t createdAt = 0;
  std::optional<std::int64_t> sentAt, readAt;
};

// Returns false when (sourceMessageId, userId, channel, type) already exists.
bool insert(Tx& tx, const DeliveryRow& d);
std::optional<DeliveryRow> find(soci::session& sql, const std::string& id);

// Queued, not held for a digest, not in one, not being sent, due at `now`.
std::vector<std::string> dueIds(soci::session& sql, std::int64_t now, int limit);
// Queued rows held for a digest whose time has come (not yet in a digest), oldest first per user/channel.
std::vector<DeliveryRow> dueDigestRows(soci::session& sql, std::int64_t now, int limit);
std::vector<DeliveryRow> digestMembers(soci::session& sql, const std::string& digestId);
// The earliest time a Queued row (or a held digest row) becomes due; std::nullopt when none waits.
std::optional<std::int64_t> nextDue(soci::session& sql);
// Rows marked sending before `claimedBefore` (their sender died mid-send, or could not record
// the outcome).
std::vector<DeliveryRow> interrupted(soci::session& sql, std::int64_t claimedBefore);
// Whether the attempt claimed at `claimedAt` is still this sender's to settle (Queued, sending
// since then); on PostgreSQL the row stays locked until the transaction ends, so another
// instance cannot declare it interrupted meanwhile, nor this one record an outcome after it did.
bool stillClaimed(Tx& tx, const std::string& id, std::int64_t claimedAt);
// Fails a delivery whose attempt claimed at `claimedAt` was interrupted; false if it is not in
// that state any more (its sender settled it, or another instance failed it first).
bool failInterrupted(Tx& tx, const std::string& id, std::int64_t claimedAt, const std::string& error);

// Marks an attempt started; false if another claimed it or it is no longer due.
bool claim(Tx& tx, const std::string& id, std::int64_t now);
void markSent(Tx& tx, const std::string& id, std::int64_t now);
void markFailed(Tx& tx, const std::string& id, const std::string& error);
void scheduleRetry(Tx& tx, const std::string& id, std::int64_t at, const std::string& error);
void recordSimulated(Tx& tx, const DeliveryRow& row, std::int64_t now);

struct Filter {
  std::optional<std::string> status, type, userId, channel;
};
std::vector<DeliveryRow> list(soci::session& sql, const Filter& filter, const PageRequest& page, std::int64_t& total);
std::vector<DeliveryRow> inApp(soci::session& sql, const std::string& userId, bool unreadOnly, const PageRequest& page,
                               std::int64_t& total);

}  // namespace boxoffice::notifications::store
