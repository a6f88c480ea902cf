#pragma once
// Cards: the checks made before any gateway sees a card (Luhn, brand, expiry, CVC), the keyed
// fingerprint, and the in-memory vault that holds number and CVC between checkout and charge.
// Nothing here writes a card number or CVC anywhere but the vault's memory, which is wiped
// (sodium_memzero) when an entry goes.
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/payments/api.hpp"

namespace boxoffice::payments {

// A string wiped from memory when destroyed (card number, CVC, keys).
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString& other) = default;
  SecretString& operator=(const SecretString& other);
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  ~SecretString();
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  void wipe();
  std::string value_;
};

// Digits only once spaces and dashes are removed; nullopt for any other character.
std::optional<std::string> normalizeCardNumber(std::string_view input);
bool luhnValid(std::string_view digits);
// Visa | Mastercard | Amex | Discover | Unknown, from the number's prefix.
std::string cardBrand(std::string_view digits);
// True if the card's last valid month (expMonth/expYear, UTC) has not ended at `now`.
bool expiryValid(int expMonth, int expYear, TimePoint now);

// The keyed fingerprint of a card number: libsodium's generic hash (BLAKE2b) keyed with the
// configured key, hex. The same card gives the same value; without the key nobody can test a
// guessed number against it.
std::string cardFingerprint(std::string_view digits, std::string_view key);

// The card's secret half, for the one charge it was prepared for.
struct VaultedCard {
  SecretString number;
  SecretString cvc;
};

// In-memory, bounded, short-lived: a token maps to number + CVC. Thread-safe. Lost on restart
// (a charge whose token is gone fails with card-details-lost). An expired entry is wiped
// (SecretString: sodium_memzero) at the next put, find or prune, whichever comes first; the
// payment processor prunes on every round of its worker (at least every few seconds).
class CardVault {
 public:
  CardVault(const Clock& clock, std::size_t maxEntries, std::chrono::milliseconds ttl);
  // Returns the token; throws Problem 503 when the vault is full of unexpired cards.
  std::string put(VaultedCard card);
  // Never an expired card.
  std::optional<VaultedCard> find(const std::string& token);
  void erase(const std::string& token);
  // Wipes the expired entries; returns how many went.
  std::size_t prune();
  std::size_t size() const;

 private:
  std::size_t pruneLocked();
  struct Entry {
    VaultedCard card;
    SteadyTimePoint expiresAt;
  };
  const Clock& clock_;
  std::size_t maxEntries_;
  std::chrono::milliseconds ttl_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  // Tokens in the order they expire (one TTL for all: the order they came in); a token erased
  // before is skipped.
  std::deque<std::pair<SteadyTimePoint, std::string>> expiries_;
};

// PaymentMethods::prepare, without the module around it.
class MethodPreparer final : public PaymentMethods {
 public:
  MethodPreparer(const Clock& clock, CardVault& vault, SecretString fingerprintKey);
  messages::PaymentMethod prepare(const PaymentInput& input, const std::string& fieldPrefix) const override;
  void discard(const std::string& cardToken) const override { vault_.erase(cardToken); }

 private:
  const Clock& clock_;
  CardVault& vault_;
  SecretString fingerprintKey_;
};

}  // namespace boxoffice::payments
