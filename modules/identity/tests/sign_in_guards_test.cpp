// The per-account brake on password guessing, and the device tokens that exempt an owner's own
// devices from it.
#include <doctest/doctest.h>
#include <string>

#include "boxoffice/kernel/clock.hpp"
#include "device_tokens.hpp"
#include "login_throttle.hpp"

using namespace boxoffice;
using namespace boxoffice::identity;
using namespace std::chrono_literals;

TEST_CASE("account brake: free failures, then a wait that doubles up to the cap, cleared by a success") {
  ManualClock clock;
  LoginThrottle throttle(clock, {3, 1s, 8s, 1000});
  const std::string account = "ann@example.org";
  for (int i = 0; i < 3; ++i) {
    CHECK(throttle.wait(account) == 0s);
    throttle.failed(account);
  }
  // The third failure made the next attempt wait 1 s; each further failure doubles it.
  CHECK(throttle.wait(account) == 1s);
  clock.advance(1s);
  CHECK(throttle.wait(account) == 0s);
  throttle.failed(account);
  CHECK(throttle.wait(account) == 2s);
  clock.advance(2s);
  throttle.failed(account);
  CHECK(throttle.wait(account) == 4s);
  clock.advance(4s);
  throttle.failed(account);
  CHECK(throttle.wait(account) == 8s);
  clock.advance(8s);
  throttle.failed(account);
  CHECK(throttle.wait(account) == 8s);  // capped
  // Other accounts are not braked by this one's failures.
  CHECK(throttle.wait("bob@example.org") == 0s);
  clock.advance(8s);
  throttle.succeeded(account);
  CHECK(throttle.wait(account) == 0s);
  throttle.failed(account);
  CHECK(throttle.wait(account) == 0s);  // counting starts over
}

TEST_CASE("account brake: memory stays bounded under a flood of distinct accounts") {
  ManualClock clock;
  LoginThrottle throttle(clock, {1, 1s, 60s, 100});
  for (int i = 0; i < 10'000; ++i) throttle.failed("flood" + std::to_string(i) + "@example.org");
  // Bounded: the last ones are remembered, the early ones had to go.
  CHECK(throttle.wait("flood9999@example.org") == 1s);
  CHECK(throttle.wait("flood0@example.org") == 0s);
}

TEST_CASE("device tokens: valid only for the account they were issued to, and unforgeable") {
  DeviceTokens devices("a-test-access-token-key-of-32-bytes!");
  auto token = devices.issue("ann@example.org");
  CHECK(token.starts_with("dv1."));
  CHECK(devices.verify(token, "ann@example.org"));
  CHECK_FALSE(devices.verify(token, "bob@example.org"));
  CHECK(devices.issue("ann@example.org") != token);  // a new device id each time

  // Another key (a rotated access-token key) retires every device token.
  DeviceTokens rotated("another-access-token-key-of-32-bytes");
  CHECK_FALSE(rotated.verify(token, "ann@example.org"));

  // Any single changed character fails; so do truncations and junk.
  for (std::size_t i = 0; i < token.size(); ++i) {
    auto changed = token;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    CHECK_FALSE(devices.verify(changed, "ann@example.org"));
  }
  for (std::string junk : {std::string(), std::string("dv1."), std::string("dv1.x."), token.substr(0, token.size() - 1),
                           token + "A", std::string(500, 'a')}) {
    CHECK_FALSE(devices.verify(junk, "ann@example.org"));
  }
}
