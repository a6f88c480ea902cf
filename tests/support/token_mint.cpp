#include "token_mint.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <random>

namespace boxoffice::testing {

namespace {

constexpr const char* kSecret = "boxoffice-integration-tests-secret-0123456789abcdef";  // as test_server.cpp

std::string randomUuid() {
  static std::atomic<unsigned> counter{0};
  std::mt19937_64 random(std::random_device{}() ^ (counter++ * 0x9E3779B97F4A7C15ULL));
  char text[37];
  auto a = random(), b = random();
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFF),
                static_cast<unsigned>(b >> 52), static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return text;
}

}  // namespace

std::string base64Url(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned int buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(buffer << (6 - bits)) & 0x3F]);
  return out;
}

MintedToken mintToken(const std::string& role) {
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string userId = randomUuid();
  boost::json::object payload{{"iss", "boxoffice"},
                              {"aud", "boxoffice-api"},
                              {"sub", userId},
                              {"iat", now},
                              {"nbf", now},
                              {"exp", now + 3600},
                              {"jti", randomUuid()},
                              {"email", userId.substr(0, 8) + "@minted.test"},
                              {"roles", boost::json::array{boost::json::string(role)}}};
  std::string signingInput =
      base64Url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64Url(boost::json::serialize(payload));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), kSecret, static_cast<int>(std::char_traits<char>::length(kSecret)),
       reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size(), mac, &length);
  return {signingInput + "." + base64Url(std::string(reinterpret_cast<char*>(mac), length)), userId};
}

}  // namespace boxoffice::testing
