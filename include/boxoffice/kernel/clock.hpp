#pragma once
// The one source of time for everything time decides: rate limits, token expiry, retries and
// backoff, hold expiry, sweepers, idempotency expiry. Code asks an injected Clock (ModuleDeps
// carries it) instead of calling std::chrono's clocks, so a test can move time with ManualClock
// instead of sleeping. Log timestamps and metrics may read the real clocks directly.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "boxoffice/kernel/time.hpp"

namespace boxoffice {

using SteadyTimePoint = std::chrono::steady_clock::time_point;

// A listener registered with Clock::onAdvance stays registered while this handle lives.
using ClockSubscription = std::shared_ptr<const std::function<void()>>;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time (UTC): what is stored, sent and compared with stored times.
  virtual TimePoint now() const = 0;
  // Monotonic time: intervals, buckets, deadlines. Never goes back.
  virtual SteadyTimePoint steadyNow() const = 0;
  // Calls `listener` (on the thread that moved time) whenever time jumps forward, so a thread
  // waiting for a deadline re-checks it at once (BackgroundWorker does). The real clock never
  // jumps and never calls it.
  virtual ClockSubscription onAdvance(std::function<void()> listener) const = 0;

  std::int64_t nowMillis() const { return toUnixMillis(now()); }
};

// The real clocks.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  SteadyTimePoint steadyNow() const override { return std::chrono::steady_clock::now(); }
  ClockSubscription onAdvance(std::function<void()> listener) const override;
};

// A clock that moves only when told to (tests). Thread-safe.
class ManualClock final : public Clock {
 public:
  // Starts at `start` wall time; the steady clock starts at an arbitrary epoch.
  explicit ManualClock(TimePoint start = TimePoint(std::chrono::hours(24 * 365 * 56)));
  TimePoint now() const override;
  SteadyTimePoint steadyNow() const override;
  ClockSubscription onAdvance(std::function<void()> listener) const override;
  // Moves both clocks forward by `by` (never back) and wakes every listener.
  void advance(std::chrono::milliseconds by);

 private:
  mutable std::mutex mutex_;
  TimePoint wall_;
  SteadyTimePoint steady_{};
  mutable std::vector<std::weak_ptr<const std::function<void()>>> listeners_;
};

}  // namespace boxoffice
