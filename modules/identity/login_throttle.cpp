#include "login_throttle.hpp"

#include <algorithm>

namespace boxoffice::identity {

LoginThrottle::LoginThrottle(const Clock& clock, Settings settings) : clock_(clock), settings_(settings) {}

std::chrono::seconds LoginThrottle::delayAfter(int failures) const {
  if (failures < settings_.freeFailures) return std::chrono::seconds(0);
  auto doublings = std::min(failures - settings_.freeFailures, 30);
  auto delay = settings_.firstDelay * (1LL << doublings);
  return std::min<std::chrono::seconds>(delay, settings_.maxDelay);
}

std::chrono::seconds LoginThrottle::wait(const std::string& account) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(account);
  if (it == records_.end()) return std::chrono::seconds(0);
  auto until = it->second.lastFailure + delayAfter(it->second.failures);
  auto now = clock_.steadyNow();
  if (now >= until) return std::chrono::seconds(0);
  return std::max<std::chrono::seconds>(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(until - now));
}

void LoginThrottle::failed(const std::string& account) {
  std::lock_guard lock(mutex_);
  auto now = clock_.steadyNow();
  if (records_.size() >= settings_.maxAccounts && !records_.contains(account)) pruneLocked(now);
  auto& record = records_[account];
  record.failures = std::min(record.failures + 1, 1000);
  record.lastFailure = now;
}

void LoginThrottle::succeeded(const std::string& account) {
  std::lock_guard lock(mutex_);
  records_.erase(account);
}

void LoginThrottle::pruneLocked(SteadyTimePoint now) {
  // Records whose wait is over and that have been quiet for the longest delay are forgotten; if
  // that is not enough (a flood of distinct accounts), the map is cleared: the per email+IP
  // limit still holds, and memory stays bounded.
  std::erase_if(records_, [&](const auto& entry) { return now - entry.second.lastFailure > settings_.maxDelay; });
  if (records_.size() >= settings_.maxAccounts) records_.clear();
}

}  // namespace boxoffice::identity
