#pragma once
// SQL for refresh tokens. Only SHA-256 hashes are stored: a copy of the database does not let
// anyone sign in. Tokens are 256-bit random values, so a fast unsalted hash is enough (there is
// nothing to brute-force, unlike passwords).
#include <cstdint>
#include <optional>
#include <soci/soci.h>
#include <string>
#include <string_view>

namespace boxoffice::identity {

enum class RefreshStatus { Active, Used, Revoked };

struct RefreshTokenRow {
  std::string id;
  std::string familyId;
  std::string userId;
  RefreshStatus status = RefreshStatus::Active;
  std::int64_t expiresAtMs = 0;
};

namespace refresh_token_store {

// Lower-case hex SHA-256 of the token text.
std::string hashToken(std::string_view token);

void insert(soci::session& sql, const RefreshTokenRow& row, const std::string& tokenHash, std::int64_t nowMs);
std::optional<RefreshTokenRow> findByHash(soci::session& sql, const std::string& tokenHash);
void markUsed(soci::session& sql, const std::string& id, std::int64_t nowMs);
// Revokes every token of the family that is not revoked yet; returns how many.
long long revokeFamily(soci::session& sql, const std::string& familyId);
// Drops a user's tokens that expired more than a day ago (they can no longer be refreshed, and a
// day is long enough to still recognise the reuse of a just-expired stolen token).
void pruneExpired(soci::session& sql, const std::string& userId, std::int64_t nowMs);

}  // namespace refresh_token_store
}  // namespace boxoffice::identity
