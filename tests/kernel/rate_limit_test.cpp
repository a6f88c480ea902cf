// Token buckets: burst, denial with a retry time, refill, and independent keys.
#include "boxoffice/kernel/rate_limit.hpp"

#include <atomic>
#include <doctest/doctest.h>
#include <thread>
#include <vector>

using namespace boxoffice;
using namespace std::chrono_literals;

TEST_CASE("rate limit: the burst is allowed, then denied with Retry-After") {
  ManualClock clock;
  RateLimiter limiter(clock);
  limiter.definePolicy("anon", {1.0, 3.0});
  for (int i = 0; i < 3; ++i) {
    auto d = limiter.consume("anon", "10.0.0.1");
    CHECK(d.allowed);
    CHECK(d.limit == 3.0);
    CHECK(d.remaining == doctest::Approx(2 - i).epsilon(0.01));
  }
  auto denied = limiter.consume("anon", "10.0.0.1");
  CHECK_FALSE(denied.allowed);
  CHECK(denied.remaining == 0);
  CHECK(denied.retryAfter >= 1s);  // one token takes a second at 1/s
  CHECK(denied.retryAfter <= 2s);
}

TEST_CASE("rate limit: retryAfter reflects the refill rate") {
  ManualClock clock;
  RateLimiter limiter(clock);
  limiter.definePolicy("slow", {0.1, 1.0});  // one token every 10 s
  CHECK(limiter.consume("slow", "k").allowed);
  auto denied = limiter.consume("slow", "k");
  CHECK_FALSE(denied.allowed);
  CHECK(denied.retryAfter >= 9s);
  CHECK(denied.retryAfter <= 10s);
}

TEST_CASE("rate limit: tokens come back over time") {
  ManualClock clock;
  RateLimiter limiter(clock);
  limiter.definePolicy("fast", {20.0, 2.0});  // a token every 50 ms
  CHECK(limiter.consume("fast", "k").allowed);
  CHECK(limiter.consume("fast", "k").allowed);
  CHECK_FALSE(limiter.consume("fast", "k").allowed);
  clock.advance(120ms);
  CHECK(limiter.consume("fast", "k").allowed);
}

TEST_CASE("rate limit: a refilled bucket never exceeds its burst") {
  ManualClock clock;
  RateLimiter limiter(clock);
  limiter.definePolicy("p", {1000.0, 2.0});
  clock.advance(20ms);
  CHECK(limiter.consume("p", "k").allowed);
  CHECK(limiter.consume("p", "k").allowed);
  CHECK_FALSE(limiter.consume("p", "k").allowed);
}

TEST_CASE("rate limit: a bucket refills only as the clock moves") {
  ManualClock clock;
  RateLimiter limiter(clock);
  limiter.definePolicy("fast", {20.0, 1.0});  // a token every 50 ms
  CHECK(limiter.consume("fast", "k").allowed);
  CHECK_FALSE(limiter.consume("fast", "k").allowed);
  clock.advance(49ms);
  CHECK_FALSE(limiter.consume("fast", "k").allowed);
  clock.advance(2ms);
  CHECK(limiter.consume("fast", "k").allowed);
}

TEST_CASE("rate limit: keys and policies have separate buckets") {
  ManualClock clock;
  RateLimiter limiter(clock);
  limiter.definePolicy("a", {0.001, 1.0});
  limiter.definePolicy("b", {0.001, 1.0});
  CHECK(limiter.consume("a", "client-1").allowed);
  CHECK_FALSE(limiter.consume("a", "client-1").allowed);
  CHECK(limiter.consume("a", "client-2").allowed);  // another client is not punished
  CHECK(limiter.consume("b", "client-1").allowed);  // another policy has its own bucket
}

TEST_CASE("rate limit: an unknown policy always allows") {
  ManualClock clock;
  RateLimiter limiter(clock);
  for (int i = 0; i < 1000; ++i) REQUIRE(limiter.consume("undefined", "k").allowed);
}

TEST_CASE("rate limit: concurrent callers never get more than the burst") {
  ManualClock clock;
  RateLimiter limiter(clock);
  limiter.definePolicy("p", {0.001, 50.0});
  std::atomic<int> allowed{0};
  std::vector<std::jthread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (limiter.consume("p", "shared").allowed) ++allowed;
      }
    });
  }
  threads.clear();
  CHECK(allowed.load() == 50);
}
