#pragma once
// In-memory token buckets. One RateLimiter holds many named policies; each key (an IP, a user
// id, "email|ip") gets its own bucket under a policy. Idle buckets are pruned. Buckets refill in
// the injected Clock's monotonic time, so a test moves time instead of sleeping.
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "boxoffice/kernel/clock.hpp"

namespace boxoffice {

struct RatePolicy {
  double ratePerSecond;
  double burst;
};

struct RateDecision {
  bool allowed;
  double remaining;                 // tokens left after this call
  std::chrono::seconds retryAfter;  // when denied: until one token is back
  double limit;                     // burst
};

class RateLimiter {
 public:
  explicit RateLimiter(const Clock& clock) : clock_(clock) {}
  void definePolicy(const std::string& name, RatePolicy policy);
  // Takes one token from key's bucket under `policy`. An unknown policy always allows.
  RateDecision consume(const std::string& policy, const std::string& key);

 private:
  struct Bucket {
    double tokens = 0;
    SteadyTimePoint updated;
  };
  void pruneLocked(SteadyTimePoint now);
  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, RatePolicy> policies_;
  std::unordered_map<std::string, Bucket> buckets_;
  SteadyTimePoint lastPrune_{};
};

}  // namespace boxoffice
