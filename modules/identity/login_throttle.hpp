#pragma once
// The per-account brake on password guessing. Guesses at one account from many addresses each
// stay under the per email+IP limit, so the account itself keeps count: after `freeFailures`
// failed sign-ins in a row, the next attempt must wait, and each further failure doubles the
// wait (up to `maxDelay`). A success clears the count.
//
// The brake would let an attacker lock the owner out by failing on purpose, so a sign-in that
// presents a device token issued to this account by an earlier successful sign-in (see
// DeviceTokens) is not braked. In memory, per process: a restart forgets the counts, which only
// ever lets a guesser start over at the per email+IP rate.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "boxoffice/kernel/clock.hpp"

namespace boxoffice::identity {

class LoginThrottle {
 public:
  struct Settings {
    int freeFailures = 5;
    std::chrono::seconds firstDelay{1};
    std::chrono::seconds maxDelay{std::chrono::minutes(15)};
    std::size_t maxAccounts = 100000;  // accounts remembered; the oldest quiet ones go first
  };
  LoginThrottle(const Clock& clock, Settings settings);

  // Zero when `account` may try now, else how long until it may.
  std::chrono::seconds wait(const std::string& account);
  void failed(const std::string& account);
  void succeeded(const std::string& account);

 private:
  struct Record {
    int failures = 0;
    SteadyTimePoint lastFailure{};
  };
  std::chrono::seconds delayAfter(int failures) const;
  void pruneLocked(SteadyTimePoint now);

  const Clock& clock_;
  Settings settings_;
  std::mutex mutex_;
  std::unordered_map<std::string, Record> records_;
};

}  // namespace boxoffice::identity
