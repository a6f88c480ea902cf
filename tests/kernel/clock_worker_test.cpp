// The injected clock and the one background loop: time moves only when a test moves it, and a
// worker waits in that time, wakes on demand and stops cleanly.
#include <atomic>
#include <doctest/doctest.h>
#include <functional>
#include <thread>

#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "kernel_test_support.hpp"
#include "support/eventually.hpp"

using namespace boxoffice;
using namespace std::chrono_literals;

namespace {
// The worker runs on its own thread: poll for what its step did (real time, up to five seconds).
bool within5s(const std::function<bool()>& done) { return test_support::eventually(done, 5s, 10ms); }
}  // namespace

TEST_CASE("manual clock: moves wall and steady time together, only forward, and tells listeners") {
  ManualClock clock(fromUnixMillis(1'000'000));
  auto steady = clock.steadyNow();
  CHECK(clock.nowMillis() == 1'000'000);
  int calls = 0;
  auto subscription = clock.onAdvance([&] { ++calls; });
  clock.advance(1500ms);
  CHECK(clock.nowMillis() == 1'001'500);
  CHECK(clock.steadyNow() - steady == 1500ms);
  CHECK(calls == 1);
  clock.advance(-5000ms);  // never back
  CHECK(clock.nowMillis() == 1'001'500);
  subscription.reset();
  clock.advance(1ms);
  CHECK(calls == 2);  // the -5000 call still notified; nothing after the handle was dropped
}

TEST_CASE("system clock: real time") {
  SystemClock clock;
  auto before = std::chrono::system_clock::now();
  auto now = clock.now();
  CHECK(now >= before);
  CHECK(now - before < 5s);
}

TEST_CASE("background worker: waits its interval in the injected clock's time, not in real time") {
  test::CapturedLog log;
  ManualClock clock;
  std::atomic<int> steps{0};
  BackgroundWorker worker("test-interval", clock, log.logger(), [&]() -> std::optional<std::chrono::milliseconds> {
    ++steps;
    return std::chrono::milliseconds(60'000);
  });
  worker.start();
  REQUIRE(within5s([&] { return steps == 1; }));
  std::this_thread::sleep_for(50ms);
  CHECK(steps == 1);  // a minute of manual time has not passed
  clock.advance(59'000ms);
  std::this_thread::sleep_for(50ms);
  CHECK(steps == 1);
  clock.advance(1'000ms);
  CHECK(within5s([&] { return steps == 2; }));
  worker.stop();
}

TEST_CASE("background worker: wake runs the step again, a wake during a step is not lost") {
  test::CapturedLog log;
  ManualClock clock;
  std::atomic<int> steps{0};
  std::atomic<bool> hold{true};
  BackgroundWorker worker("test-wake", clock, log.logger(), [&]() -> std::optional<std::chrono::milliseconds> {
    ++steps;
    while (hold) std::this_thread::sleep_for(1ms);
    return std::nullopt;  // until woken
  });
  worker.start();
  REQUIRE(within5s([&] { return steps == 1; }));
  worker.wake();  // arrives while the first step still runs
  hold = false;
  CHECK(within5s([&] { return steps == 2; }));
  std::this_thread::sleep_for(50ms);
  CHECK(steps == 2);  // and only once more
  worker.wake();
  CHECK(within5s([&] { return steps == 3; }));
  worker.stop();
  CHECK(worker.stopping());
}

TEST_CASE("background worker: a throwing step is logged and retried after the error backoff") {
  test::CapturedLog log;
  ManualClock clock;
  std::atomic<int> steps{0};
  BackgroundWorker worker(
      "test-error", clock, log.logger(),
      [&]() -> std::optional<std::chrono::milliseconds> {
        if (++steps == 1) throw std::runtime_error("disk on fire");
        return std::nullopt;
      },
      250ms);
  worker.start();
  REQUIRE(within5s([&] { return steps == 1; }));
  std::this_thread::sleep_for(30ms);
  CHECK(steps == 1);
  clock.advance(250ms);
  CHECK(within5s([&] { return steps == 2; }));
  worker.stop();
  log.sink->flush();
  CHECK(log.out.str().find("disk on fire") != std::string::npos);
}

TEST_CASE("background worker: stop ends a worker that waits forever, and is idempotent") {
  test::CapturedLog log;
  SystemClock clock;
  std::atomic<int> steps{0};
  BackgroundWorker worker("test-stop", clock, log.logger(), [&]() -> std::optional<std::chrono::milliseconds> {
    ++steps;
    return std::chrono::milliseconds(3'600'000);
  });
  worker.start();
  REQUIRE(within5s([&] { return steps == 1; }));
  auto started = std::chrono::steady_clock::now();
  worker.stop();
  worker.stop();
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK(steps == 1);
}

TEST_CASE("background worker: time that moves while a step runs counts towards its wait") {
  test::CapturedLog log;
  ManualClock clock;
  std::atomic<int> steps{0};
  std::atomic<bool> hold{true};
  BackgroundWorker worker("test-during", clock, log.logger(), [&]() -> std::optional<std::chrono::milliseconds> {
    if (++steps == 1) {
      while (hold) std::this_thread::sleep_for(1ms);
    }
    return std::chrono::milliseconds(1000);
  });
  worker.start();
  REQUIRE(within5s([&] { return steps == 1; }));
  clock.advance(1000ms);  // while the first step still runs: nobody waits yet
  hold = false;
  CHECK(within5s([&] { return steps == 2; }));
  worker.stop();
}
