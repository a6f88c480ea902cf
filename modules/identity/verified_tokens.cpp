#include "verified_tokens.hpp"

namespace boxoffice::identity {

std::optional<AccessClaims> VerifiedTokens::find(std::string_view token, std::int64_t nowSeconds) const {
  std::lock_guard lock(mutex_);
  auto it = claims_.find(std::string(token));
  if (it == claims_.end()) return std::nullopt;
  const auto& claims = it->second;
  // The same checks Jwt::verify makes on time; outside them the caller verifies afresh and gets
  // its exact refusal ("expired", "not valid yet").
  if (nowSeconds - skew_ >= claims.expiresAt) return std::nullopt;
  if (claims.notBefore > nowSeconds + skew_) return std::nullopt;
  return claims;
}

void VerifiedTokens::remember(std::string_view token, const AccessClaims& claims) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mutex_);
  if (claims_.size() >= capacity_) claims_.clear();
  claims_.insert_or_assign(std::string(token), claims);
}

std::size_t VerifiedTokens::size() const {
  std::lock_guard lock(mutex_);
  return claims_.size();
}

}  // namespace boxoffice::identity
