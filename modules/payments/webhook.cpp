#include "webhook.hpp"

#include <sodium.h>

namespace boxoffice::payments {

namespace {
void mac(std::string_view secret, std::string_view body, unsigned char out[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  crypto_auth_hmacsha256_final(&state, out);
}
}  // namespace

std::string webhookSignature(std::string_view secret, std::string_view body) {
  unsigned char digest[crypto_auth_hmacsha256_BYTES];
  mac(secret, body, digest);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string("sha256=") + hex;
}

bool verifyWebhookSignature(std::string_view secret, std::string_view body, std::string_view header) {
  constexpr std::string_view prefix = "sha256=";
  if (!header.starts_with(prefix)) return false;
  auto hex = header.substr(prefix.size());
  unsigned char given[crypto_auth_hmacsha256_BYTES];
  std::size_t length = 0;
  if (hex.size() != crypto_auth_hmacsha256_BYTES * 2 ||
      sodium_hex2bin(given, sizeof given, hex.data(), hex.size(), nullptr, &length, nullptr) != 0 ||
      length != sizeof given) {
    return false;
  }
  unsigned char expected[crypto_auth_hmacsha256_BYTES];
  mac(secret, body, expected);
  return sodium_memcmp(given, expected, sizeof given) == 0;
}

}  // namespace boxoffice::payments
