#pragma once
// Ed25519 verification through OpenSSL, for tests that check a ticket's QR signature the way a
// third-party scanner would: independently of the server's own code (which uses libsodium).
#include <optional>
#include <string>
#include <string_view>

namespace boxoffice::testing {

// base64url without padding -> bytes; nullopt if not valid.
std::optional<std::string> base64UrlDecode(std::string_view text);

// True if `signature` (64 bytes) is `publicKey`'s (32 bytes) Ed25519 signature of `message`.
bool verifyEd25519(const std::string& publicKey, const std::string& message, const std::string& signature);

}  // namespace boxoffice::testing
