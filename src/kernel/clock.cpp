#include "boxoffice/kernel/clock.hpp"

#include <algorithm>

namespace boxoffice {

ClockSubscription SystemClock::onAdvance(std::function<void()> listener) const {
  // Real time never jumps: the listener is kept alive for the caller but never called.
  return std::make_shared<const std::function<void()>>(std::move(listener));
}

ManualClock::ManualClock(TimePoint start) : wall_(start) {}

TimePoint ManualClock::now() const {
  std::lock_guard lock(mutex_);
  return wall_;
}

SteadyTimePoint ManualClock::steadyNow() const {
  std::lock_guard lock(mutex_);
  return steady_;
}

ClockSubscription ManualClock::onAdvance(std::function<void()> listener) const {
  auto subscription = std::make_shared<const std::function<void()>>(std::move(listener));
  std::lock_guard lock(mutex_);
  std::erase_if(listeners_, [](const auto& weak) { return weak.expired(); });
  listeners_.push_back(subscription);
  return subscription;
}

void ManualClock::advance(std::chrono::milliseconds by) {
  std::vector<ClockSubscription> toCall;
  {
    std::lock_guard lock(mutex_);
    if (by.count() > 0) {
      wall_ += by;
      steady_ += by;
    }
    for (const auto& weak : listeners_) {
      if (auto listener = weak.lock()) toCall.push_back(std::move(listener));
    }
  }
  // Outside the lock: a listener may read the clock.
  for (const auto& listener : toCall) (*listener)();
}

}  // namespace boxoffice
