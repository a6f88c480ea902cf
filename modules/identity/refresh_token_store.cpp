#include "refresh_token_store.hpp"

#include <array>
#include <sodium.h>

namespace boxoffice::identity::refresh_token_store {

namespace {

const char* statusText(RefreshStatus status) {
  switch (status) {
    case RefreshStatus::Active:
      return "active";
    case RefreshStatus::Used:
      return "used";
    case RefreshStatus::Revoked:
      return "revoked";
  }
  return "revoked";
}

RefreshStatus parseStatus(const std::string& text) {
  if (text == "active") return RefreshStatus::Active;
  if (text == "used") return RefreshStatus::Used;
  return RefreshStatus::Revoked;  // anything unexpected is treated as the safest state
}

constexpr long long kPruneGraceMs = 24LL * 60 * 60 * 1000;

}  // namespace

std::string hashToken(std::string_view token) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(token.data()), token.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return {hex.data()};
}

void insert(soci::session& sql, const RefreshTokenRow& row, const std::string& tokenHash, std::int64_t nowMs) {
  std::string status = statusText(row.status);
  long long created = nowMs;
  long long expires = row.expiresAtMs;
  sql << "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, status, created_at_ms, expires_at_ms) "
         "VALUES (:id, :family, :user, :hash, :status, :created, :expires)",
      soci::use(row.id), soci::use(row.familyId), soci::use(row.userId), soci::use(tokenHash), soci::use(status),
      soci::use(created), soci::use(expires);
}

std::optional<RefreshTokenRow> findByHash(soci::session& sql, const std::string& tokenHash) {
  RefreshTokenRow row;
  std::string status;
  long long expires = 0;
  sql << "SELECT id, family_id, user_id, status, expires_at_ms FROM refresh_tokens WHERE token_hash = :hash",
      soci::use(tokenHash), soci::into(row.id), soci::into(row.familyId), soci::into(row.userId), soci::into(status),
      soci::into(expires);
  if (!sql.got_data()) return std::nullopt;
  row.status = parseStatus(status);
  row.expiresAtMs = expires;
  return row;
}

void markUsed(soci::session& sql, const std::string& id, std::int64_t nowMs) {
  long long now = nowMs;
  sql << "UPDATE refresh_tokens SET status = 'used', used_at_ms = :now WHERE id = :id AND status = 'active'",
      soci::use(now), soci::use(id);
}

long long revokeFamily(soci::session& sql, const std::string& familyId) {
  soci::statement st = (sql.prepare << "UPDATE refresh_tokens SET status = 'revoked' "
                                       "WHERE family_id = :family AND status <> 'revoked'",
                        soci::use(familyId));
  st.execute(true);
  return st.get_affected_rows();
}

void pruneExpired(soci::session& sql, const std::string& userId, std::int64_t nowMs) {
  long long cutoff = nowMs - kPruneGraceMs;
  sql << "DELETE FROM refresh_tokens WHERE user_id = :user AND expires_at_ms < :cutoff", soci::use(userId),
      soci::use(cutoff);
}

}  // namespace boxoffice::identity::refresh_token_store
