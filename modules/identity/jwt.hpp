#pragma once
// Access tokens: compact JWS with HS256 (RFC 7519 / 7515), signed with OpenSSL's HMAC.
//
// Only what boxoffice issues is accepted: header alg "HS256" (never "none", never another
// algorithm chosen by the token), our issuer, our audience, a current exp/nbf with a small clock
// skew allowance, and the claims we need (sub, email, roles, jti). Roles are copied into the token
// when it is issued, so a role change takes effect with the caller's next token (at the latest
// after the access-token lifetime, or at once via /auth/refresh).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/auth.hpp"

namespace boxoffice::identity {

struct JwtSettings {
  std::string secret;    // HMAC key, at least 32 bytes
  std::string issuer;    // iss
  std::string audience;  // aud
  std::chrono::seconds clockSkew{30};
};

struct AccessClaims {
  std::string subject;  // sub: the user id
  std::string email;
  std::vector<auth::Role> roles;
  std::string jwtId;           // jti
  std::int64_t issuedAt = 0;   // iat, seconds since the epoch
  std::int64_t notBefore = 0;  // nbf
  std::int64_t expiresAt = 0;  // exp
};

class Jwt {
 public:
  explicit Jwt(JwtSettings settings);

  // Adds iss and aud from the settings.
  std::string sign(const AccessClaims& claims) const;
  // Verifies the signature in constant time, then the claims at `nowSeconds`. Throws
  // Problem::unauthorized on anything wrong; the detail never echoes the token.
  AccessClaims verify(std::string_view token, std::int64_t nowSeconds) const;

  const JwtSettings& settings() const { return settings_; }

 private:
  std::string signature(std::string_view signingInput) const;
  JwtSettings settings_;
};

// Base64url without padding (RFC 4648 §5), as JWS requires. decode returns false on any
// character outside the alphabet, padding, or non-zero trailing bits.
std::string base64UrlEncode(std::string_view bytes);
bool base64UrlDecode(std::string_view text, std::string& out);

std::int64_t unixSeconds(std::chrono::system_clock::time_point time);

}  // namespace boxoffice::identity
