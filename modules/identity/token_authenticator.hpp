#pragma once
// The auth::Authenticator the HTTP server calls for every route that reads a bearer token.
#include <string_view>

#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "jwt.hpp"
#include "revoked_tokens.hpp"

namespace boxoffice::identity {

class TokenAuthenticator final : public auth::Authenticator {
 public:
  TokenAuthenticator(const Jwt& jwt, const RevokedTokens& revoked, const Clock& clock)
      : jwt_(jwt), revoked_(revoked), clock_(clock) {}
  // No database access: verifying a token costs one HMAC and a JSON parse.
  auth::Principal authenticate(std::string_view bearerToken) const override;

 private:
  const Jwt& jwt_;
  const RevokedTokens& revoked_;
  const Clock& clock_;
};

}  // namespace boxoffice::identity
