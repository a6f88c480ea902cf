#pragma once
// Access tokens whose signature and claims were already checked, so a buyer's next request does
// not pay for the HMAC and the JSON parse again: in a reservation rush every request carries a
// bearer token, and verifying it was ~5 % of the server's CPU. Only tokens that passed
// Jwt::verify are kept (a forged one never enters), their time claims are checked again on
// every hit, and revocation is not cached (TokenAuthenticator asks RevokedTokens each time).
// Bounded: when full it starts over, so a client cycling through valid tokens costs at most
// `capacity` entries.
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "jwt.hpp"

namespace boxoffice::identity {

class VerifiedTokens {
 public:
  VerifiedTokens(std::size_t capacity, std::int64_t clockSkewSeconds) : capacity_(capacity), skew_(clockSkewSeconds) {}
  // The claims of `token` if it was verified before and its time claims still hold at `now`.
  std::optional<AccessClaims> find(std::string_view token, std::int64_t nowSeconds) const;
  void remember(std::string_view token, const AccessClaims& claims);
  std::size_t size() const;

 private:
  std::size_t capacity_;
  std::int64_t skew_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, AccessClaims> claims_;
};

}  // namespace boxoffice::identity
