#include "token_service.hpp"

#include <optional>
#include <variant>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"
#include "refresh_token_store.hpp"
#include "user_store.hpp"

namespace boxoffice::identity {

namespace {

constexpr std::size_t kRefreshTokenBytes = 32;  // 256 bits
constexpr std::size_t kMaxRefreshTokenLength = 256;

Problem invalidRefreshToken() { return Problem::unauthorized("The refresh token is invalid, expired or revoked."); }

// What a rotation found, decided inside the transaction and acted on after the commit.
struct Rotated {
  TokenPair pair;
};
struct Reused {
  std::string familyId;
  std::string userId;
};
struct Invalid {};

}  // namespace

TokenService::TokenService(Database& store, const Jwt& jwt, TokenLifetimes lifetimes, Logger log, const Clock& clock)
    : store_(store), jwt_(jwt), lifetimes_(lifetimes), log_(std::move(log)), clock_(clock) {}

std::string TokenService::accessToken(const UserSummary& user, std::chrono::system_clock::time_point now) const {
  AccessClaims claims;
  claims.subject = user.id;
  claims.email = user.email;
  claims.roles = user.roles;
  claims.jwtId = newUuid();
  claims.issuedAt = unixSeconds(now);
  claims.notBefore = claims.issuedAt;
  claims.expiresAt = claims.issuedAt + lifetimes_.access.count();
  return jwt_.sign(claims);
}

std::string TokenService::addRefreshToken(Tx& tx, const std::string& familyId, const std::string& userId,
                                          std::int64_t nowMs) const {
  std::string token = randomToken(kRefreshTokenBytes);
  RefreshTokenRow row{newUuid(), familyId, userId, RefreshStatus::Active,
                      nowMs + std::chrono::duration_cast<std::chrono::milliseconds>(lifetimes_.refresh).count()};
  refresh_token_store::insert(tx.sql(), row, refresh_token_store::hashToken(token), nowMs);
  return token;
}

TokenPair TokenService::issue(const UserSummary& user) {
  auto now = clock_.now();
  auto nowMs = toUnixMillis(now);
  TokenPair pair{accessToken(user, now), lifetimes_.access.count(), {}};
  pair.refreshToken = store_.write([&](Tx& tx) {
    refresh_token_store::pruneExpired(tx.sql(), user.id, nowMs);
    return addRefreshToken(tx, newUuid(), user.id, nowMs);
  });
  return pair;
}

TokenPair TokenService::rotate(std::string_view refreshToken, std::string_view requestId) {
  if (refreshToken.empty() || refreshToken.size() > kMaxRefreshTokenLength) throw invalidRefreshToken();
  auto hash = refresh_token_store::hashToken(refreshToken);
  auto now = clock_.now();
  auto nowMs = toUnixMillis(now);

  // The writer lock serialises rotations: of two concurrent refreshes with one token, the second
  // sees it 'used' and is treated as a reuse, as it should be.
  auto outcome = store_.write([&](Tx& tx) -> std::variant<Rotated, Reused, Invalid> {
    auto row = refresh_token_store::findByHash(tx.sql(), hash);
    if (!row) return Invalid{};
    if (row->status == RefreshStatus::Used) {
      refresh_token_store::revokeFamily(tx.sql(), row->familyId);
      return Reused{row->familyId, row->userId};
    }
    if (row->status == RefreshStatus::Revoked || row->expiresAtMs <= nowMs) return Invalid{};
    auto user = user_store::findById(tx.sql(), row->userId);
    if (!user) return Invalid{};
    refresh_token_store::markUsed(tx.sql(), row->id, nowMs);
    // The new access token carries the user's roles as they are now.
    TokenPair pair{accessToken(user->user, now), lifetimes_.access.count(),
                   addRefreshToken(tx, row->familyId, row->userId, nowMs)};
    return Rotated{std::move(pair)};
  });

  if (auto* rotated = std::get_if<Rotated>(&outcome)) return std::move(rotated->pair);
  if (auto* reused = std::get_if<Reused>(&outcome)) {
    log_.forRequest(std::string(requestId))
        .warn("refresh token reused; token family revoked",
              {{"userId", reused->userId}, {"familyId", reused->familyId}});
  }
  throw invalidRefreshToken();
}

bool TokenService::revokeFamily(std::string_view refreshToken, const std::optional<std::string>& userId) {
  if (refreshToken.empty() || refreshToken.size() > kMaxRefreshTokenLength) return false;
  auto hash = refresh_token_store::hashToken(refreshToken);
  // Read first: a made-up token (the common case of a flood) costs no write transaction.
  auto known = store_.read([&](soci::session& sql) { return refresh_token_store::findByHash(sql, hash); });
  if (!known || (userId && known->userId != *userId)) return false;
  return store_.write([&](Tx& tx) {
    auto row = refresh_token_store::findByHash(tx.sql(), hash);
    if (!row || (userId && row->userId != *userId)) return false;
    refresh_token_store::revokeFamily(tx.sql(), row->familyId);
    return true;
  });
}

}  // namespace boxoffice::identity
