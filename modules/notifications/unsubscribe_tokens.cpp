#include "unsubscribe_tokens.hpp"

#include <cstring>
#include <sodium.h>
#include <stdexcept>
#include <vector>

namespace boxoffice::notifications {

namespace {

constexpr std::string_view kKeyId = "v1";
constexpr std::size_t kMaxTokenLength = 1024;

std::string base64url(const unsigned char* data, std::size_t size) {
  const auto variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(size, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::vector<unsigned char>> unbase64url(std::string_view text) {
  if (text.empty()) return std::nullopt;  // no token part is empty (and libsodium wants a buffer)
  std::vector<unsigned char> out(text.size());
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(length);
  return out;
}

}  // namespace

UnsubscribeTokens::UnsubscribeTokens(const std::string& secret) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  crypto_hash_sha256(key_, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
}

std::string UnsubscribeTokens::sign(const UnsubscribeClaim& claim) const {
  std::string payload =
      claim.userId + "\n" + std::string(toString(claim.channel)) + "\n" + std::string(toString(claim.category));
  std::string signedPart =
      std::string(kKeyId) + "." + base64url(reinterpret_cast<const unsigned char*>(payload.data()), payload.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(signedPart.data()), signedPart.size(), key_);
  return signedPart + "." + base64url(mac, sizeof mac);
}

std::optional<UnsubscribeClaim> UnsubscribeTokens::verify(const std::string& token) const {
  if (token.size() > kMaxTokenLength) return std::nullopt;
  auto lastDot = token.rfind('.');
  if (lastDot == std::string::npos || token.substr(0, kKeyId.size() + 1) != std::string(kKeyId) + ".")
    return std::nullopt;
  std::string signedPart = token.substr(0, lastDot);
  auto mac = unbase64url(std::string_view(token).substr(lastDot + 1));
  if (!mac || mac->size() != crypto_auth_hmacsha256_BYTES) return std::nullopt;
  if (crypto_auth_hmacsha256_verify(mac->data(), reinterpret_cast<const unsigned char*>(signedPart.data()),
                                    signedPart.size(), key_) != 0)
    return std::nullopt;
  auto payload = unbase64url(std::string_view(signedPart).substr(kKeyId.size() + 1));
  if (!payload) return std::nullopt;
  std::string text(payload->begin(), payload->end());
  auto first = text.find('\n');
  auto second = first == std::string::npos ? first : text.find('\n', first + 1);
  if (second == std::string::npos) return std::nullopt;
  auto channel = parseChannel(text.substr(first + 1, second - first - 1));
  auto category = parseCategory(text.substr(second + 1));
  if (!channel || !category || first == 0) return std::nullopt;
  return UnsubscribeClaim{text.substr(0, first), *channel, *category};
}

}  // namespace boxoffice::notifications
