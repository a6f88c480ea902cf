// JWT parsing and verification (modules/identity/jwt.hpp). Two ways in, chosen by the first byte:
// the bytes as a whole token (header, payload and signature as an attacker sends them), or the
// bytes as the claims of a token correctly signed with our key, so the claim checks (exp, nbf,
// iss, aud, roles, sizes) are reached past the signature. Either the token verifies or verify
// throws the 401 Problem the edge maps; anything else is a finding. Device tokens are tried too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string>
#include <string_view>

#include "boxoffice/kernel/problem.hpp"
#include "device_tokens.hpp"
#include "jwt.hpp"

namespace {

using boxoffice::identity::base64UrlEncode;

constexpr std::string_view kSecret = "fuzzing-secret-fuzzing-secret-fuzzing-secret";
constexpr std::int64_t kNow = 1'800'000'000;

// Built once per process (libFuzzer calls the entry point millions of times).
const boxoffice::identity::Jwt& jwt() {
  static const boxoffice::identity::Jwt instance(
      {std::string(kSecret), "boxoffice", "boxoffice-api", std::chrono::seconds(30)});
  return instance;
}

std::string signedWithOurKey(std::string_view claims) {
  std::string input = base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64UrlEncode(claims);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest, &length);
  return input + "." + base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string token = (data[0] & 1) != 0 ? signedWithOurKey(rest) : std::string(rest);
  try {
    auto claims = jwt().verify(token, kNow);
    // What verified signs again into a token that verifies.
    (void)jwt().verify(jwt().sign(claims), kNow);
  } catch (const boxoffice::Problem& problem) {
    if (problem.status() != 401) std::abort();
  }
  static const boxoffice::identity::DeviceTokens devices(kSecret);
  (void)devices.verify(rest, "someone@example.com");
  return 0;
}
