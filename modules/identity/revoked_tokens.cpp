#include "revoked_tokens.hpp"

namespace boxoffice::identity {

void RevokedTokens::revoke(const std::string& jwtId, std::int64_t expiresAt, std::int64_t nowSeconds) {
  std::lock_guard lock(mutex_);
  // Pruning on insert keeps the map bounded by the logouts of one token lifetime.
  std::erase_if(expiresAt_, [nowSeconds](const auto& entry) { return entry.second < nowSeconds - 60; });
  expiresAt_[jwtId] = expiresAt;
}

bool RevokedTokens::isRevoked(const std::string& jwtId) const {
  std::lock_guard lock(mutex_);
  return expiresAt_.contains(jwtId);
}

}  // namespace boxoffice::identity
