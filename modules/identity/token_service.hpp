#pragma once
// Issues access + refresh token pairs, rotates refresh tokens, and revokes token families.
//
// A login starts a family. /auth/refresh exchanges the presented refresh token for a new pair:
// the old token becomes 'used', the new one joins the family. If a 'used' token is presented
// again, two parties hold the same session (the token leaked), so the whole family is revoked and
// both must sign in again (OAuth 2.0 Security BCP, refresh token rotation).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "boxoffice/identity/api.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "jwt.hpp"

namespace boxoffice::identity {

struct TokenPair {
  std::string accessToken;
  std::int64_t expiresIn = 0;  // seconds
  std::string refreshToken;
};

struct TokenLifetimes {
  std::chrono::seconds access{900};
  std::chrono::seconds refresh{14 * 24 * 3600};
};

class TokenService {
 public:
  // `clock` stamps iat/exp and decides when a refresh token has expired.
  TokenService(Database& store, const Jwt& jwt, TokenLifetimes lifetimes, Logger log, const Clock& clock);

  // A successful login: a new family.
  TokenPair issue(const UserSummary& user);
  // Throws Problem::unauthorized for an unknown, expired, revoked or reused token; a reuse also
  // revokes the family (committed before the 401 is thrown).
  // `requestId` goes into the log line of a reuse.
  TokenPair rotate(std::string_view refreshToken, std::string_view requestId = {});
  // Revokes the family of `refreshToken` if it belongs to `userId` (nullopt: whoever presents the
  // token may end its session, as RFC 7009 lets a public client; it could as well use it). Unknown
  // tokens and other users' tokens are ignored, so the answer does not tell which tokens exist
  // (RFC 7009 §2.2). Returns whether a family was revoked.
  bool revokeFamily(std::string_view refreshToken, const std::optional<std::string>& userId);

  std::string accessToken(const UserSummary& user, std::chrono::system_clock::time_point now) const;
  const TokenLifetimes& lifetimes() const { return lifetimes_; }

 private:
  // Inserts a fresh refresh token of `familyId` and returns its text.
  std::string addRefreshToken(Tx& tx, const std::string& familyId, const std::string& userId, std::int64_t nowMs) const;
  Database& store_;
  const Jwt& jwt_;
  TokenLifetimes lifetimes_;
  Logger log_;
  const Clock& clock_;
};

}  // namespace boxoffice::identity
