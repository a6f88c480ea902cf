#include "device_tokens.hpp"

#include <array>
#include <sodium.h>

#include "boxoffice/kernel/ids.hpp"
#include "jwt.hpp"

namespace boxoffice::identity {

namespace {
constexpr std::string_view kPrefix = "dv1.";
constexpr std::string_view kContext = "boxoffice device token v1";
}  // namespace

DeviceTokens::DeviceTokens(std::string_view accessTokenKey) {
  // A key of its own, derived one-way: a device token's MAC says nothing about the JWT key.
  std::array<unsigned char, crypto_auth_hmacsha256_KEYBYTES> derived{};
  crypto_generichash(derived.data(), derived.size(), reinterpret_cast<const unsigned char*>(kContext.data()),
                     kContext.size(), reinterpret_cast<const unsigned char*>(accessTokenKey.data()),
                     accessTokenKey.size());
  key_.assign(reinterpret_cast<const char*>(derived.data()), derived.size());
  sodium_memzero(derived.data(), derived.size());
}

std::string DeviceTokens::mac(const std::string& normalizedEmail, std::string_view deviceId) const {
  std::string message = normalizedEmail;
  message += '\n';
  message += deviceId;
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> out{};
  crypto_auth_hmacsha256(out.data(), reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                         reinterpret_cast<const unsigned char*>(key_.data()));
  return base64UrlEncode(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

std::string DeviceTokens::issue(const std::string& normalizedEmail) const {
  auto deviceId = randomToken(16);
  return std::string(kPrefix) + deviceId + '.' + mac(normalizedEmail, deviceId);
}

bool DeviceTokens::verify(std::string_view token, const std::string& normalizedEmail) const {
  if (token.size() > 200 || token.substr(0, kPrefix.size()) != kPrefix) return false;
  token.remove_prefix(kPrefix.size());
  auto dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  auto expected = mac(normalizedEmail, token.substr(0, dot));
  auto given = token.substr(dot + 1);
  return given.size() == expected.size() && sodium_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace boxoffice::identity
