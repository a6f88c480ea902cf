#include "password_hasher.hpp"

#include <algorithm>
#include <array>
#include <sodium.h>
#include <stdexcept>
#include <thread>

#include "boxoffice/kernel/ids.hpp"

namespace boxoffice::identity {

// Holds one of the concurrent-hash slots for its lifetime.
class PasswordHasher::Slot {
 public:
  explicit Slot(std::counting_semaphore<kMaxConcurrentLimit>& slots) : slots_(slots) { slots_.acquire(); }
  ~Slot() { slots_.release(); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::counting_semaphore<kMaxConcurrentLimit>& slots_;
};

int PasswordHasher::defaultConcurrency() {
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 2, 8);
}

PasswordHasher::Cost PasswordHasher::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordHasher::Cost PasswordHasher::minimal() { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

PasswordHasher::PasswordHasher(Cost cost, int maxConcurrent)
    : cost_(cost), slots_(std::clamp(maxConcurrent, 1, kMaxConcurrentLimit)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  dummyHash_ = hash(randomToken(24));
}

std::string PasswordHasher::hash(std::string_view password) const {
  std::array<char, crypto_pwhash_STRBYTES> out{};
  Slot slot(slots_);
  if (crypto_pwhash_str(out.data(), password.data(), password.size(), cost_.opsLimit, cost_.memLimit) != 0) {
    // Only fails when the memory for the hash cannot be allocated.
    throw std::runtime_error("argon2id hashing failed (out of memory)");
  }
  return {out.data()};
}

bool PasswordHasher::verify(const std::string& storedHash, std::string_view password) const {
  Slot slot(slots_);
  return crypto_pwhash_str_verify(storedHash.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::needsRehash(const std::string& storedHash) const {
  // 1: other parameters, -1: not an argon2id hash at all; both deserve a fresh hash.
  return crypto_pwhash_str_needs_rehash(storedHash.c_str(), cost_.opsLimit, cost_.memLimit) != 0;
}

void PasswordHasher::burnVerification(std::string_view password) const {
  // The result is meaningless (the dummy password is random and never stored anywhere).
  static_cast<void>(verify(dummyHash_, password));
}

}  // namespace boxoffice::identity
