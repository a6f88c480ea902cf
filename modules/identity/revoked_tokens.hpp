#pragma once
// Access tokens revoked before their expiry (by logout). Access tokens are otherwise stateless, so
// this list is in memory and per process: it is pruned as entries expire, and it is empty after a
// restart or on another instance, where a logged-out access token stays usable until its exp
// (15 minutes by default). The refresh token, which is what really keeps a session alive, is
// revoked durably in the database.
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace boxoffice::identity {

class RevokedTokens {
 public:
  void revoke(const std::string& jwtId, std::int64_t expiresAt, std::int64_t nowSeconds);
  bool isRevoked(const std::string& jwtId) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> expiresAt_;  // jti -> exp
};

}  // namespace boxoffice::identity
