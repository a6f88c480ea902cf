#pragma once
// Polls for the result of work another thread or process does (a background worker, the bus, a
// server). Polling for a result is fine; sleeping to let time pass is not: a test that needs time
// to pass moves a ManualClock instead.
#include <chrono>
#include <functional>
#include <thread>

namespace boxoffice::test_support {

// True as soon as `condition` holds; false if it still does not after `timeout`.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

}  // namespace boxoffice::test_support
