#include "boxoffice/kernel/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace boxoffice {

void RateLimiter::definePolicy(const std::string& name, RatePolicy policy) {
  std::lock_guard lock(mutex_);
  policies_[name] = policy;
}

RateDecision RateLimiter::consume(const std::string& policyName, const std::string& key) {
  auto now = clock_.steadyNow();
  std::lock_guard lock(mutex_);
  auto policyIt = policies_.find(policyName);
  if (policyIt == policies_.end()) return {true, 0, std::chrono::seconds{0}, 0};
  const auto& policy = policyIt->second;
  pruneLocked(now);

  auto [it, inserted] = buckets_.try_emplace(policyName + '\n' + key, Bucket{policy.burst, now});
  auto& bucket = it->second;
  if (!inserted) {
    double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(policy.burst, bucket.tokens + elapsed * policy.ratePerSecond);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {true, std::floor(bucket.tokens), std::chrono::seconds{0}, policy.burst};
  }
  double wait = (1.0 - bucket.tokens) / policy.ratePerSecond;
  return {false, 0, std::chrono::seconds{static_cast<long>(std::ceil(wait))}, policy.burst};
}

// Buckets that have refilled completely carry no information: drop them so memory stays bounded
// by the number of recently active clients.
void RateLimiter::pruneLocked(SteadyTimePoint now) {
  if (now - lastPrune_ < std::chrono::seconds{30}) return;
  lastPrune_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    auto policyName = it->first.substr(0, it->first.find('\n'));
    const auto& policy = policies_[policyName];
    double elapsed = std::chrono::duration<double>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * policy.ratePerSecond >= policy.burst) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace boxoffice
