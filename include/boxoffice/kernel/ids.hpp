#pragma once
#include <string>
#include <string_view>

namespace boxoffice {

// A random (version 4) UUID in lower-case canonical form, from libsodium's CSPRNG.
std::string newUuid();
bool isUuid(std::string_view text);
// Random URL-safe text with `bytes` bytes of entropy (tokens, request ids).
std::string randomToken(std::size_t bytes);
// SHA-256 of `text` as lower-case hex (request fingerprints, checksums; not for passwords).
std::string sha256Hex(std::string_view text);

}  // namespace boxoffice
