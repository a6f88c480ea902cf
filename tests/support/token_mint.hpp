#pragma once
// Mints access tokens signed with the test servers' fixed secret, as the identity module would.
// For tests that need many distinct buyers: registering each through argon2id would take minutes.
#include <string>

namespace boxoffice::testing {

struct MintedToken {
  std::string token;
  std::string userId;
};

MintedToken mintToken(const std::string& role);
// base64url without padding (JWT segments), for tests that forge or tamper with tokens.
std::string base64Url(const std::string& bytes);

}  // namespace boxoffice::testing
