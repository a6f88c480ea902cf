// Refresh-token rotation and reuse detection against a real (temporary) SQLite database.
#include "token_service.hpp"

#include <doctest/doctest.h>

#include "boxoffice/kernel/problem.hpp"
#include "identity_service.hpp"
#include "refresh_token_store.hpp"
#include "revoked_tokens.hpp"
#include "temp_store.hpp"
#include "token_authenticator.hpp"

using namespace boxoffice;
using namespace boxoffice::identity;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  testing::TempStore temp;
  PasswordHasher hasher{PasswordHasher::minimal()};
  Jwt jwt{{std::string(32, 's'), "boxoffice", "boxoffice-api", 30s}};
  ManualClock clock;
  IdentityService users{*temp.db, hasher, temp.log, clock};
  TokenService tokens{*temp.db, jwt, {900s, 3600s}, temp.log, clock};

  UserSummary user(const std::string& email = "ann@example.org") {
    return users.createUser({email, "a fine long password", "Ann", {auth::Role::User}}, "corr-1");
  }
  std::string status(const std::string& token) {
    return temp.db->read([&](soci::session& sql) {
      std::string value;
      auto hash = refresh_token_store::hashToken(token);
      sql << "SELECT status FROM refresh_tokens WHERE token_hash = :h", soci::use(hash), soci::into(value);
      return sql.got_data() ? value : std::string("missing");
    });
  }
};

bool unauthorized(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Problem& problem) {
    return problem.status() == 401;
  }
  return false;
}

}  // namespace

TEST_CASE("issue gives a verifiable access token and an opaque refresh token") {
  Fixture f;
  auto ann = f.user();
  auto pair = f.tokens.issue(ann);
  CHECK(pair.expiresIn == 900);
  CHECK(pair.refreshToken.size() >= 43);  // 256 bits, base64url
  auto claims = f.jwt.verify(pair.accessToken, unixSeconds(f.clock.now()));
  CHECK(claims.subject == ann.id);
  CHECK(claims.expiresAt == unixSeconds(f.clock.now()) + 900);
  CHECK(f.status(pair.refreshToken) == "active");
}

TEST_CASE("only a hash of the refresh token is stored") {
  Fixture f;
  auto pair = f.tokens.issue(f.user());
  auto stored = f.temp.db->read([&](soci::session& sql) {
    std::string hash;
    sql << "SELECT token_hash FROM refresh_tokens", soci::into(hash);
    return hash;
  });
  CHECK(stored.size() == 64);
  CHECK(stored != pair.refreshToken);
  CHECK(stored == refresh_token_store::hashToken(pair.refreshToken));
}

TEST_CASE("rotation replaces the token and marks the old one used") {
  Fixture f;
  auto first = f.tokens.issue(f.user());
  auto second = f.tokens.rotate(first.refreshToken);
  CHECK(second.refreshToken != first.refreshToken);
  CHECK(second.accessToken != first.accessToken);
  CHECK(f.status(first.refreshToken) == "used");
  CHECK(f.status(second.refreshToken) == "active");
  auto third = f.tokens.rotate(second.refreshToken);
  CHECK(f.status(third.refreshToken) == "active");
}

TEST_CASE("reusing a rotated token revokes the whole family, and only that family") {
  Fixture f;
  auto ann = f.user();
  auto login = f.tokens.issue(ann);
  auto otherSession = f.tokens.issue(ann);  // a second device: another family
  auto rotated = f.tokens.rotate(login.refreshToken);
  auto rotatedAgain = f.tokens.rotate(rotated.refreshToken);

  CHECK(unauthorized([&] { f.tokens.rotate(login.refreshToken); }));  // the thief (or victim) replays
  CHECK(f.status(rotatedAgain.refreshToken) == "revoked");
  CHECK(f.status(rotated.refreshToken) == "revoked");
  CHECK(f.status(login.refreshToken) == "revoked");
  CHECK(unauthorized([&] { f.tokens.rotate(rotatedAgain.refreshToken); }));  // the legitimate holder too
  // The other device is untouched.
  CHECK(f.status(otherSession.refreshToken) == "active");
  CHECK_NOTHROW(f.tokens.rotate(otherSession.refreshToken));
  CHECK(f.temp.logs().find("refresh token reused") != std::string::npos);
}

TEST_CASE("unknown, empty, oversized and expired refresh tokens are refused") {
  Fixture f;
  auto pair = f.tokens.issue(f.user());
  CHECK(unauthorized([&] { f.tokens.rotate("not-a-token"); }));
  CHECK(unauthorized([&] { f.tokens.rotate(""); }));
  CHECK(unauthorized([&] { f.tokens.rotate(std::string(10000, 'a')); }));
  f.clock.advance(3601s);
  CHECK(unauthorized([&] { f.tokens.rotate(pair.refreshToken); }));
  CHECK(f.status(pair.refreshToken) == "active");  // expiry is not reuse: nothing else revoked
}

TEST_CASE("logout revokes the family only for its owner") {
  Fixture f;
  auto ann = f.user();
  auto bob = f.user("bob@example.org");
  auto annSession = f.tokens.issue(ann);
  auto rotated = f.tokens.rotate(annSession.refreshToken);

  CHECK_FALSE(f.tokens.revokeFamily(rotated.refreshToken, bob.id));  // Bob cannot log Ann out
  CHECK(f.status(rotated.refreshToken) == "active");
  CHECK_FALSE(f.tokens.revokeFamily("unknown", ann.id));
  CHECK(f.tokens.revokeFamily(rotated.refreshToken, ann.id));
  CHECK(f.status(rotated.refreshToken) == "revoked");
  CHECK(unauthorized([&] { f.tokens.rotate(rotated.refreshToken); }));
}

TEST_CASE("a refreshed access token carries the current roles") {
  Fixture f;
  auto ann = f.user();
  auto pair = f.tokens.issue(ann);
  auth::Principal admin{"00000000-0000-4000-8000-000000000000", "root@example.org", {auth::Role::Admin}};
  f.users.setRoles(admin, ann.id, {auth::Role::Organizer, auth::Role::User});
  auto before = f.jwt.verify(pair.accessToken, unixSeconds(f.clock.now()));
  CHECK(before.roles == std::vector{auth::Role::User});  // the old token keeps what it was issued with
  auto refreshed = f.tokens.rotate(pair.refreshToken);
  auto after = f.jwt.verify(refreshed.accessToken, unixSeconds(f.clock.now()));
  CHECK(after.roles == std::vector{auth::Role::Organizer, auth::Role::User});
}

TEST_CASE("an access token is refused once the clock passes its expiry, and the refresh token renews it") {
  Fixture f;
  RevokedTokens revoked{*f.temp.db, f.clock, f.temp.log, 0ms};
  TokenAuthenticator authenticator(f.jwt, revoked, f.clock);
  auto pair = f.tokens.issue(f.user());
  CHECK_NOTHROW(authenticator.authenticate(pair.accessToken));
  f.clock.advance(900s + 29s);  // within the 30 s skew
  CHECK_NOTHROW(authenticator.authenticate(pair.accessToken));
  f.clock.advance(1s);
  try {
    authenticator.authenticate(pair.accessToken);
    FAIL("an expired access token was accepted");
  } catch (const Problem& problem) {
    CHECK(problem.status() == 401);
    CHECK(problem.detail().find("expired") != std::string::npos);
  }
  auto renewed = f.tokens.rotate(pair.refreshToken);
  CHECK_NOTHROW(authenticator.authenticate(renewed.accessToken));
}

TEST_CASE("a verified access token is remembered, but revocation and forgeries are checked on every request") {
  Fixture f;
  RevokedTokens revoked{*f.temp.db, f.clock, f.temp.log, 0ms};
  TokenAuthenticator authenticator(f.jwt, revoked, f.clock);
  auto pair = f.tokens.issue(f.user());
  CHECK(authenticator.authenticate(pair.accessToken).userId ==
        f.jwt.verify(pair.accessToken, unixSeconds(f.clock.now())).subject);
  CHECK(authenticator.verified().size() == 1);
  CHECK_NOTHROW(authenticator.authenticate(pair.accessToken));  // from memory
  CHECK(authenticator.verified().size() == 1);

  // A token with one character of its signature changed is refused and never remembered.
  auto forged = pair.accessToken;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  CHECK(unauthorized([&] { authenticator.authenticate(forged); }));
  CHECK(authenticator.verified().size() == 1);

  // Signing out revokes the token: remembered or not, it is refused from then on.
  auto claims = f.jwt.verify(pair.accessToken, unixSeconds(f.clock.now()));
  revoked.revoke(claims.jwtId, claims.expiresAt);
  CHECK(unauthorized([&] { authenticator.authenticate(pair.accessToken); }));
}

TEST_CASE("a sign-out is durable: a restart and another instance on the same database refuse the token") {
  Fixture f;
  RevokedTokens here{*f.temp.db, f.clock, f.temp.log, 0ms};
  RevokedTokens elsewhere{*f.temp.db, f.clock, f.temp.log, 0ms};
  auto claims = f.jwt.verify(f.tokens.issue(f.user()).accessToken, unixSeconds(f.clock.now()));
  here.revoke(claims.jwtId, claims.expiresAt);
  CHECK(here.isRevoked(claims.jwtId));
  CHECK_FALSE(elsewhere.isRevoked(claims.jwtId));  // until it reads the list again
  elsewhere.load();
  CHECK(elsewhere.isRevoked(claims.jwtId));
  RevokedTokens restarted{*f.temp.db, f.clock, f.temp.log, 0ms};
  restarted.load();
  CHECK(restarted.isRevoked(claims.jwtId));
  here.revoke(claims.jwtId, claims.expiresAt);  // twice is fine
  CHECK(here.size() == 1);

  // Once the token would have expired anyway (plus the largest clock skew), it is forgotten:
  // the list holds one token lifetime of sign-outs, in memory and in the table.
  f.clock.advance(900s + 301s);
  auto later = f.jwt.verify(f.tokens.issue(f.user("bob@example.org")).accessToken, unixSeconds(f.clock.now()));
  here.revoke(later.jwtId, later.expiresAt);
  CHECK_FALSE(here.isRevoked(claims.jwtId));
  CHECK(here.size() == 1);
  auto rows = f.temp.db->read([](soci::session& sql) {
    long long n = 0;
    sql << "SELECT COUNT(*) FROM revoked_access_tokens", soci::into(n);
    return n;
  });
  CHECK(rows == 1);
}

TEST_CASE("remembered tokens are bounded: a full memory starts over") {
  VerifiedTokens verified(3, 30);
  AccessClaims claims;
  claims.expiresAt = 1000;
  for (int i = 0; i < 3; ++i) verified.remember("token-" + std::to_string(i), claims);
  CHECK(verified.size() == 3);
  CHECK(verified.find("token-0", 10).has_value());
  verified.remember("token-3", claims);
  CHECK(verified.size() == 1);
  CHECK_FALSE(verified.find("token-0", 10).has_value());
  CHECK(verified.find("token-3", 10).has_value());
  CHECK_FALSE(verified.find("token-3", 1000 + 30).has_value());  // past exp + skew: verify afresh
  VerifiedTokens off(0, 30);
  off.remember("token", claims);
  CHECK(off.size() == 0);
}
