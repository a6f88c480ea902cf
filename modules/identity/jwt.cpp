#include "jwt.hpp"

#include <array>
#include <boost/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdexcept>

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice::identity {

namespace {

constexpr std::size_t kMaxTokenLength = 4096;  // ours are ~400 bytes; refuse to parse megabytes

[[noreturn]] void reject(std::string detail = "The access token is invalid.") {
  throw Problem::unauthorized(std::move(detail));
}

boost::json::object decodeObject(std::string_view base64) {
  std::string text;
  if (!base64UrlDecode(base64, text)) reject();
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) reject();
  return std::move(value.as_object());
}

// Integer seconds (an int64 or uint64 JSON number); doubles are not what we issue.
bool intClaim(const boost::json::object& object, std::string_view key, std::int64_t& out) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return false;
  if (value->is_int64()) {
    out = value->as_int64();
    return true;
  }
  if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(value->as_uint64());
    return true;
  }
  return false;
}

std::string requiredString(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string() || value->as_string().empty()) reject();
  return std::string(value->as_string());
}

bool audienceMatches(const boost::json::object& payload, std::string_view audience) {
  const auto* aud = payload.if_contains("aud");
  if (aud == nullptr) return false;
  if (aud->is_string()) return aud->as_string() == audience;
  if (aud->is_array()) {
    for (const auto& item : aud->as_array()) {
      if (item.is_string() && item.as_string() == audience) return true;
    }
  }
  return false;
}

std::vector<auth::Role> rolesClaim(const boost::json::object& payload) {
  const auto* roles = payload.if_contains("roles");
  if (roles == nullptr || !roles->is_array()) reject();
  std::vector<auth::Role> out;
  for (const auto& item : roles->as_array()) {
    if (!item.is_string()) reject();
    auto role = auth::parseRole(item.as_string());
    if (!role) reject();
    out.push_back(*role);
  }
  return out;
}

void checkHeader(std::string_view encodedHeader) {
  auto header = decodeObject(encodedHeader);
  const auto* alg = header.if_contains("alg");
  // The algorithm is ours to choose, not the token's: anything but HS256 ("none", RS256 with our
  // secret as a "public key", ...) is refused before the signature is even looked at.
  if (alg == nullptr || !alg->is_string() || alg->as_string() != "HS256") reject();
  if (const auto* typ = header.if_contains("typ"); typ != nullptr) {
    if (!typ->is_string() || typ->as_string() != "JWT") reject();
  }
  // A critical extension we do not implement must make the token invalid (RFC 7515 §4.1.11).
  if (header.contains("crit")) reject();
}

}  // namespace

std::string base64UrlEncode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the encoder writes a terminating NUL
  return out;
}

bool base64UrlDecode(std::string_view text, std::string& out) {
  out.assign(text.size(), '\0');  // decoded data is always shorter
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &length, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return false;
  }
  if (end != text.data() + text.size()) return false;  // stopped early: trailing garbage
  out.resize(length);
  return true;
}

std::int64_t unixSeconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

Jwt::Jwt(JwtSettings settings) : settings_(std::move(settings)) {
  if (settings_.secret.size() < 32) throw std::invalid_argument("the JWT key must be at least 32 bytes");
}

std::string Jwt::signature(std::string_view signingInput) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int macLength = 0;
  if (HMAC(EVP_sha256(), settings_.secret.data(), static_cast<int>(settings_.secret.size()),
           reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size(), mac.data(),
           &macLength) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return {reinterpret_cast<const char*>(mac.data()), macLength};
}

std::string Jwt::sign(const AccessClaims& claims) const {
  static const std::string header = base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})");
  boost::json::array roles;
  for (auto role : claims.roles) roles.emplace_back(auth::to_string(role));
  boost::json::object payload{{"iss", settings_.issuer}, {"aud", settings_.audience}, {"sub", claims.subject},
                              {"iat", claims.issuedAt},  {"nbf", claims.notBefore},   {"exp", claims.expiresAt},
                              {"jti", claims.jwtId},     {"email", claims.email},     {"roles", std::move(roles)}};
  std::string signingInput = header + '.' + base64UrlEncode(boost::json::serialize(payload));
  return signingInput + '.' + base64UrlEncode(signature(signingInput));
}

AccessClaims Jwt::verify(std::string_view token, std::int64_t nowSeconds) const {
  if (token.empty() || token.size() > kMaxTokenLength) reject();
  auto firstDot = token.find('.');
  auto secondDot = firstDot == std::string_view::npos ? firstDot : token.find('.', firstDot + 1);
  if (secondDot == std::string_view::npos || token.find('.', secondDot + 1) != std::string_view::npos) {
    reject();
  }
  checkHeader(token.substr(0, firstDot));

  std::string given;
  if (!base64UrlDecode(token.substr(secondDot + 1), given)) reject();
  auto expected = signature(token.substr(0, secondDot));
  // Length first (public: always 32 for HS256), then a constant-time comparison of the MACs.
  if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    reject();
  }

  auto payload = decodeObject(token.substr(firstDot + 1, secondDot - firstDot - 1));
  const auto* iss = payload.if_contains("iss");
  if (iss == nullptr || !iss->is_string() || iss->as_string() != settings_.issuer) reject();
  if (!audienceMatches(payload, settings_.audience)) reject();

  AccessClaims claims;
  const std::int64_t skew = settings_.clockSkew.count();
  if (!intClaim(payload, "exp", claims.expiresAt)) reject();
  // Written so that no claim value can overflow (exp + skew would, for exp near INT64_MAX).
  if (nowSeconds - skew >= claims.expiresAt) reject("The access token has expired.");
  if (payload.contains("nbf")) {
    if (!intClaim(payload, "nbf", claims.notBefore)) reject();
    if (claims.notBefore > nowSeconds + skew) reject("The access token is not valid yet.");
  }
  if (payload.contains("iat") && !intClaim(payload, "iat", claims.issuedAt)) reject();
  claims.subject = requiredString(payload, "sub");
  claims.email = requiredString(payload, "email");
  claims.jwtId = requiredString(payload, "jti");
  claims.roles = rolesClaim(payload);
  return claims;
}

}  // namespace boxoffice::identity
