#pragma once
// The auth::Authenticator the HTTP server calls for every route that reads a bearer token.
#include <string_view>

#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "jwt.hpp"
#include "revoked_tokens.hpp"
#include "verified_tokens.hpp"

namespace boxoffice::identity {

class TokenAuthenticator final : public auth::Authenticator {
 public:
  TokenAuthenticator(const Jwt& jwt, const RevokedTokens& revoked, const Clock& clock)
      : jwt_(jwt), revoked_(revoked), clock_(clock), verified_(kVerifiedTokens, jwt.settings().clockSkew.count()) {}
  // No database access: verifying a token costs one HMAC and a JSON parse, once per token
  // (VerifiedTokens); its revocation is checked on every request.
  auth::Principal authenticate(std::string_view bearerToken) const override;
  const VerifiedTokens& verified() const { return verified_; }

 private:
  const Jwt& jwt_;
  const RevokedTokens& revoked_;
  const Clock& clock_;
  // ~4,000 buyers' tokens at ~0.5 KB each: about 2 MB at most.
  static constexpr std::size_t kVerifiedTokens = 4096;
  mutable VerifiedTokens verified_;
};

}  // namespace boxoffice::identity
