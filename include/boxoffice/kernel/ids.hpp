#pragma once
#include <string>
#include <string_view>

namespace boxoffice {

// A time-ordered UUID (version 7, RFC 9562) in lower-case canonical form: 48 bits of Unix
// milliseconds, then 74 random bits from libsodium's CSPRNG. Ids made later sort later, so a
// primary-key index grows at its end: a batch of inserts dirties a few pages instead of one random
// page per row (what made durable reservations write-bound). Not a secret: it shows when the
// thing was created; use randomToken for anything that must be unguessable.
std::string newUuid();
bool isUuid(std::string_view text);
// Random URL-safe text with `bytes` bytes of entropy (tokens, request ids).
std::string randomToken(std::size_t bytes);
// SHA-256 of `text` as lower-case hex (request fingerprints, checksums; not for passwords).
std::string sha256Hex(std::string_view text);

}  // namespace boxoffice
