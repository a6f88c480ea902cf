#include "jwt.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "boxoffice/kernel/problem.hpp"

using namespace boxoffice;
using namespace boxoffice::identity;

namespace {

const std::string kSecret(40, 'k');
constexpr std::int64_t kNow = 1'800'000'000;

JwtSettings settings(std::string secret = kSecret) {
  return {std::move(secret), "boxoffice", "boxoffice-api", std::chrono::seconds(30)};
}

AccessClaims claims(std::int64_t issuedAt = kNow, std::int64_t lifetime = 900) {
  AccessClaims c;
  c.subject = "0b7c3a52-6d1e-4f7e-9d55-1f0c0a9e2b11";
  c.email = "ann@example.org";
  c.roles = {auth::Role::Organizer, auth::Role::User};
  c.jwtId = "jti-1";
  c.issuedAt = issuedAt;
  c.notBefore = issuedAt;
  c.expiresAt = issuedAt + lifetime;
  return c;
}

std::string part(const std::string& token, int index) {
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  if (index == 0) return token.substr(0, first);
  if (index == 1) return token.substr(first + 1, second - first - 1);
  return token.substr(second + 1);
}

boost::json::object decodePart(const std::string& token, int index) {
  std::string text;
  REQUIRE(base64UrlDecode(part(token, index), text));
  return boost::json::parse(text).as_object();
}

// Builds a token from any header and payload with a correct HMAC-SHA256 over them under `secret`
// (or no signature when `secret` is empty), so each test isolates one rule of the verifier.
std::string forge(const boost::json::object& header, const boost::json::object& payload, const std::string& secret) {
  auto input = base64UrlEncode(boost::json::serialize(header)) + "." + base64UrlEncode(boost::json::serialize(payload));
  if (secret.empty()) return input + ".";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return input + "." + base64UrlEncode(std::string(reinterpret_cast<const char*>(mac), length));
}

const boost::json::object kHeader{{"alg", "HS256"}, {"typ", "JWT"}};

bool rejected(const Jwt& jwt, const std::string& token, std::int64_t now = kNow) {
  try {
    jwt.verify(token, now);
    return false;
  } catch (const Problem& problem) {
    CHECK(problem.status() == 401);
    return true;
  }
}

}  // namespace

TEST_CASE("a signed token verifies and round-trips its claims") {
  Jwt jwt(settings());
  auto token = jwt.sign(claims());
  auto header = decodePart(token, 0);
  CHECK(header.at("alg") == "HS256");
  CHECK(header.at("typ") == "JWT");
  auto payload = decodePart(token, 1);
  CHECK(payload.at("iss") == "boxoffice");
  CHECK(payload.at("aud") == "boxoffice-api");
  CHECK(payload.at("roles").as_array().size() == 2);

  auto verified = jwt.verify(token, kNow + 10);
  CHECK(verified.subject == claims().subject);
  CHECK(verified.email == "ann@example.org");
  CHECK(verified.jwtId == "jti-1");
  CHECK(verified.expiresAt == kNow + 900);
  REQUIRE(verified.roles.size() == 2);
  CHECK(verified.roles[0] == auth::Role::Organizer);
  CHECK(verified.roles[1] == auth::Role::User);
}

TEST_CASE("base64url round-trips and rejects non-canonical text") {
  std::string out;
  for (const std::string& text :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", std::string("\xff\xfe\x00\x01", 4)}) {
    REQUIRE(base64UrlDecode(base64UrlEncode(text), out));
    CHECK(out == text);
  }
  CHECK(base64UrlEncode("\xfb\xff") == "-_8");  // URL-safe alphabet, no padding
  CHECK_FALSE(base64UrlDecode("Zm9v=", out));   // padding
  CHECK_FALSE(base64UrlDecode("Zm+v", out));    // standard alphabet
  CHECK_FALSE(base64UrlDecode("Zh", out));      // non-zero trailing bits ("Zg" is canonical)
  CHECK_FALSE(base64UrlDecode("Zm9v!", out));
}

TEST_CASE("a tampered payload or signature is rejected") {
  Jwt jwt(settings());
  auto token = jwt.sign(claims());

  auto payload = decodePart(token, 1);
  payload["roles"] = boost::json::array{"Admin"};
  auto escalated = part(token, 0) + "." + base64UrlEncode(boost::json::serialize(payload)) + "." + part(token, 2);
  CHECK(rejected(jwt, escalated));

  auto signature = part(token, 2);
  signature[0] = signature[0] == 'A' ? 'B' : 'A';
  CHECK(rejected(jwt, part(token, 0) + "." + part(token, 1) + "." + signature));
  CHECK(rejected(jwt, part(token, 0) + "." + part(token, 1) + "."));                            // no signature
  CHECK(rejected(jwt, part(token, 0) + "." + part(token, 1) + "." + signature.substr(0, 20)));  // short MAC
  CHECK(rejected(jwt, token + "."));
  CHECK(rejected(jwt, token + "x"));
  CHECK(rejected(jwt, ""));
  CHECK(rejected(jwt, "garbage"));
  CHECK(rejected(jwt, "a.b.c"));
  CHECK(rejected(jwt, std::string(5000, 'a')));
}

TEST_CASE("a token signed with another key is rejected") {
  Jwt ours(settings());
  Jwt theirs(settings(std::string(40, 'x')));
  CHECK(rejected(ours, theirs.sign(claims())));
}

TEST_CASE("alg none and other algorithms are rejected") {
  Jwt jwt(settings());
  auto token = jwt.sign(claims());
  auto payload = decodePart(token, 1);
  CHECK(rejected(jwt, forge({{"alg", "none"}, {"typ", "JWT"}}, payload, "")));
  CHECK(rejected(jwt, forge({{"alg", "none"}}, payload, "")));
  // Same payload and a valid HS256 signature, but the header claims another algorithm: the
  // header is part of the signed input, so even an attacker who kept the MAC is refused.
  CHECK(rejected(jwt, forge({{"alg", "HS512"}, {"typ", "JWT"}}, payload, kSecret)));
  CHECK(rejected(jwt, forge({{"alg", "RS256"}, {"typ", "JWT"}}, payload, kSecret)));
  CHECK(rejected(jwt, forge({{"typ", "JWT"}}, payload, kSecret)));
  CHECK(rejected(jwt, forge({{"alg", "none"}, {"typ", "JWT"}}, payload, kSecret)));  // even "signed"
  CHECK(rejected(jwt, forge({{"alg", "HS256"}, {"crit", boost::json::array{"exp"}}}, payload, kSecret)));
  CHECK(rejected(jwt, forge({{"alg", "HS256"}, {"typ", "JWE"}}, payload, kSecret)));
  // The control: the forger itself produces tokens the verifier accepts.
  CHECK_FALSE(rejected(jwt, forge(kHeader, payload, kSecret)));
  CHECK_FALSE(rejected(jwt, forge({{"alg", "HS256"}}, payload, kSecret)));
}

TEST_CASE("well-signed tokens with missing or mistyped claims are rejected") {
  Jwt jwt(settings());
  auto good = decodePart(jwt.sign(claims()), 1);
  CHECK_FALSE(rejected(jwt, forge(kHeader, good, kSecret)));
  for (const char* claim : {"exp", "sub", "email", "jti", "roles", "iss", "aud"}) {
    INFO(claim);
    auto payload = good;
    payload.erase(claim);
    CHECK(rejected(jwt, forge(kHeader, payload, kSecret)));
  }
  auto mutate = [&](const char* claim, boost::json::value value) {
    auto payload = good;
    payload[claim] = std::move(value);
    return forge(kHeader, payload, kSecret);
  };
  CHECK(rejected(jwt, mutate("exp", "1900000000")));
  CHECK(rejected(jwt, mutate("exp", 1.9e9)));
  CHECK(rejected(jwt, mutate("sub", "")));
  CHECK(rejected(jwt, mutate("roles", boost::json::array{"Superuser"})));
  CHECK(rejected(jwt, mutate("roles", boost::json::array{1})));
  CHECK(rejected(jwt, mutate("roles", "Admin")));
  CHECK(rejected(jwt, mutate("nbf", kNow + 3600)));
  CHECK_FALSE(rejected(jwt, mutate("aud", boost::json::array{"other", "boxoffice-api"})));
  CHECK(rejected(jwt, mutate("aud", boost::json::array{"other"})));
  // Extreme claim values are compared without overflow (UBSan would report exp + skew).
  CHECK_FALSE(rejected(jwt, mutate("exp", INT64_MAX)));  // signed by us: far future is still valid
  CHECK(rejected(jwt, mutate("exp", INT64_MIN)));
  CHECK(rejected(jwt, mutate("nbf", INT64_MAX)));
}

TEST_CASE("expiry, not-before and the clock skew allowance") {
  Jwt jwt(settings());
  auto token = jwt.sign(claims(kNow, 900));
  CHECK_FALSE(rejected(jwt, token, kNow + 899));
  CHECK_FALSE(rejected(jwt, token, kNow + 900 + 29));  // within 30 s skew
  CHECK(rejected(jwt, token, kNow + 900 + 30));
  CHECK(rejected(jwt, token, kNow + 100000));
  CHECK_FALSE(rejected(jwt, token, kNow - 29));  // issued "in the future" by a slightly fast clock
  CHECK(rejected(jwt, token, kNow - 31));

  Jwt strict({kSecret, "boxoffice", "boxoffice-api", std::chrono::seconds(0)});
  auto shortLived = strict.sign(claims(kNow, 1));
  CHECK_FALSE(rejected(strict, shortLived, kNow));
  CHECK(rejected(strict, shortLived, kNow + 1));
  try {
    strict.verify(shortLived, kNow + 5);
  } catch (const Problem& problem) {
    CHECK(problem.detail().find("expired") != std::string::npos);
  }
}

TEST_CASE("wrong issuer or audience is rejected") {
  Jwt ours(settings());
  Jwt otherIssuer({kSecret, "someone-else", "boxoffice-api", std::chrono::seconds(30)});
  Jwt otherAudience({kSecret, "boxoffice", "another-api", std::chrono::seconds(30)});
  CHECK(rejected(ours, otherIssuer.sign(claims())));
  CHECK(rejected(ours, otherAudience.sign(claims())));
  CHECK_FALSE(rejected(ours, ours.sign(claims())));
}

TEST_CASE("a key shorter than 32 bytes is refused") {
  CHECK_THROWS_AS(Jwt(settings(std::string(31, 'k'))), std::invalid_argument);
}
