#pragma once
// HMAC-SHA256 for tests that sign what a gateway would send (payment webhooks), so a test can
// forge a good signature and a bad one without linking OpenSSL itself.
#include <string>

namespace boxoffice::testing {

// Lower-case hex of HMAC-SHA256(key, data).
std::string hmacSha256Hex(const std::string& key, const std::string& data);

}  // namespace boxoffice::testing
