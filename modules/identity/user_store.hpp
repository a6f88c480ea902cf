#pragma once
// SQL for the users table. Plain functions over a soci::session, so the same code runs inside a
// write transaction (tx.sql()) or on a reader session.
#include <cstdint>
#include <optional>
#include <soci/soci.h>
#include <string>
#include <vector>

#include "boxoffice/identity/api.hpp"

namespace boxoffice::identity {

struct UserRecord {
  UserSummary user;
  std::string passwordHash;
};

namespace user_store {

std::optional<UserRecord> findByEmail(soci::session& sql, const std::string& normalizedEmail);
std::optional<UserRecord> findById(soci::session& sql, const std::string& id);
bool emailExists(soci::session& sql, const std::string& normalizedEmail);
// Counts a sign-up attempt with this account's email; true when its owner should be told now
// (never told, or last told at least `noticeIntervalMs` before `nowMs`), which it then records.
bool recordRegistrationAttempt(soci::session& sql, const std::string& id, std::int64_t nowMs,
                               std::int64_t noticeIntervalMs);
// `createdAtMs` is the instant behind user.createdAt.
void insert(soci::session& sql, const UserRecord& record, std::int64_t createdAtMs);
void updateRoles(soci::session& sql, const std::string& id, const std::vector<auth::Role>& roles, std::int64_t nowMs);
void updatePasswordHash(soci::session& sql, const std::string& id, const std::string& hash, std::int64_t nowMs);
std::int64_t count(soci::session& sql);
// Oldest first, so pages are stable while users register.
std::vector<UserSummary> page(soci::session& sql, std::int64_t offset, std::int64_t limit);

// Roles as stored: "Admin,User", in the canonical order Admin, Organizer, User, no duplicates.
std::string encodeRoles(const std::vector<auth::Role>& roles);
std::vector<auth::Role> decodeRoles(const std::string& text);
std::vector<auth::Role> canonicalRoles(std::vector<auth::Role> roles);

}  // namespace user_store
}  // namespace boxoffice::identity
