#pragma once
// Password hashing with argon2id (libsodium's crypto_pwhash_str), and the dummy verification that
// makes "no such email" cost the same time as "wrong password".
#include <cstddef>
#include <semaphore>
#include <string>
#include <string_view>

namespace boxoffice::identity {

class PasswordHasher {
 public:
  struct Cost {
    unsigned long long opsLimit;
    std::size_t memLimit;
  };
  // crypto_pwhash OPSLIMIT/MEMLIMIT_INTERACTIVE: about 64 MiB and a few tenths of a second.
  static Cost interactive();
  // The library minimum, for unit tests that hash many passwords. Never for real accounts.
  static Cost minimal();

  // At most `maxConcurrent` hashes run at once: each takes ~64 MiB, so sixteen request workers
  // hashing together would otherwise need a gigabyte. Callers beyond the limit wait their turn.
  static constexpr int kMaxConcurrentLimit = 64;
  explicit PasswordHasher(Cost cost = interactive(), int maxConcurrent = defaultConcurrency());
  static int defaultConcurrency();  // the number of cores, at least 2, at most 8

  // The encoded hash ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"), salt included.
  std::string hash(std::string_view password) const;
  // Constant-time comparison inside libsodium. False for a malformed stored hash.
  bool verify(const std::string& storedHash, std::string_view password) const;
  // True when the stored hash was made with other parameters than this hasher's (so a login can
  // upgrade it while the plain password is at hand).
  bool needsRehash(const std::string& storedHash) const;
  // Verifies against a hash of a random password: the same work as a real verification, for an
  // unknown email, so response time does not reveal which emails have accounts.
  void burnVerification(std::string_view password) const;

 private:
  class Slot;
  Cost cost_;
  mutable std::counting_semaphore<kMaxConcurrentLimit> slots_;
  std::string dummyHash_;
};

}  // namespace boxoffice::identity
