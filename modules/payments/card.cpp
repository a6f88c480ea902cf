#include "card.hpp"

#include <ctime>
#include <sodium.h>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/problem.hpp"

namespace boxoffice::payments {

SecretString& SecretString::operator=(const SecretString& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}
// Copies, then wipes the source: a moved-from short string would keep its characters in place.
// NOLINTNEXTLINE(performance-move-constructor-init)
SecretString::SecretString(SecretString&& other) noexcept : value_(other.value_) { other.wipe(); }
SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = other.value_;
    other.wipe();
  }
  return *this;
}
SecretString::~SecretString() { wipe(); }
void SecretString::wipe() {
  // Wipes the whole buffer, not only size(): a short string lives in the object itself.
  if (value_.capacity() > 0) sodium_memzero(value_.data(), value_.capacity());
  value_.clear();
}

std::optional<std::string> normalizeCardNumber(std::string_view input) {
  std::string digits;
  digits.reserve(input.size());
  for (char c : input) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '-') {
      sodium_memzero(digits.data(), digits.size());
      return std::nullopt;
    }
  }
  return digits;
}

bool luhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

std::string cardBrand(std::string_view digits) {
  auto prefix = [&](std::size_t n) { return digits.size() >= n ? std::stoi(std::string(digits.substr(0, n))) : -1; };
  if (digits.starts_with("4")) return "Visa";
  if (digits.starts_with("34") || digits.starts_with("37")) return "Amex";
  if (int two = prefix(2); two >= 51 && two <= 55) return "Mastercard";
  if (int four = prefix(4); four >= 2221 && four <= 2720) return "Mastercard";
  if (digits.starts_with("6011") || digits.starts_with("65")) return "Discover";
  if (int three = prefix(3); three >= 644 && three <= 649) return "Discover";
  return "Unknown";
}

bool expiryValid(int expMonth, int expYear, TimePoint now) {
  if (expMonth < 1 || expMonth > 12) return false;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  int year = utc.tm_year + 1900;
  int month = utc.tm_mon + 1;
  return expYear > year || (expYear == year && expMonth >= month);
}

std::string cardFingerprint(std::string_view digits, std::string_view key) {
  unsigned char hash[crypto_generichash_BYTES];
  // generichash keys are 16..64 bytes; longer configured keys are hashed down first.
  unsigned char keyBytes[crypto_generichash_KEYBYTES];
  crypto_generichash(keyBytes, sizeof keyBytes, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr,
                     0);
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(digits.data()), digits.size(), keyBytes,
                     sizeof keyBytes);
  sodium_memzero(keyBytes, sizeof keyBytes);
  char hex[crypto_generichash_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return hex;
}

CardVault::CardVault(const Clock& clock, std::size_t maxEntries, std::chrono::milliseconds ttl)
    : clock_(clock), maxEntries_(maxEntries), ttl_(ttl) {}

std::size_t CardVault::pruneLocked() {
  auto now = clock_.steadyNow();
  std::size_t gone = 0;
  while (!expiries_.empty() && expiries_.front().first <= now) {
    auto it = entries_.find(expiries_.front().second);
    if (it != entries_.end() && it->second.expiresAt <= now) {
      entries_.erase(it);  // the SecretStrings wipe themselves
      ++gone;
    }
    expiries_.pop_front();
  }
  return gone;
}

std::size_t CardVault::prune() {
  std::lock_guard lock(mutex_);
  return pruneLocked();
}

std::string CardVault::put(VaultedCard card) {
  std::lock_guard lock(mutex_);
  pruneLocked();
  if (entries_.size() >= maxEntries_) {
    throw Problem::unavailable("Too many card payments are under way; try again in a minute.")
        .withHeader("Retry-After", "60");
  }
  std::string token = "card_" + randomToken(24);
  auto expiresAt = clock_.steadyNow() + ttl_;
  entries_.emplace(token, Entry{std::move(card), expiresAt});
  expiries_.emplace_back(expiresAt, token);
  return token;
}

std::optional<VaultedCard> CardVault::find(const std::string& token) {
  std::lock_guard lock(mutex_);
  pruneLocked();
  auto it = entries_.find(token);
  if (it == entries_.end()) return std::nullopt;
  return it->second.card;
}

void CardVault::erase(const std::string& token) {
  std::lock_guard lock(mutex_);
  entries_.erase(token);
  pruneLocked();
}

std::size_t CardVault::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

MethodPreparer::MethodPreparer(const Clock& clock, CardVault& vault, SecretString fingerprintKey)
    : clock_(clock), vault_(vault), fingerprintKey_(std::move(fingerprintKey)) {}

messages::PaymentMethod MethodPreparer::prepare(const PaymentInput& input, const std::string& fieldPrefix) const {
  auto field = [&](std::string_view name) {
    return fieldPrefix.empty() ? std::string(name) : fieldPrefix + "." + std::string(name);
  };
  json::Validation validation;
  messages::PaymentMethod method;
  method.method = input.method;
  if (input.method != "CreditCard" && input.method != "PayPal" && input.method != "BankTransfer") {
    validation.add(field("method"), "must be CreditCard, PayPal or BankTransfer");
    validation.throwIfAny();
  }
  if (input.method != "CreditCard") {
    if (input.card) validation.add(field("card"), "is only for method CreditCard");
    validation.throwIfAny();
    return method;
  }
  if (!input.card) {
    validation.add(field("card"), "is required for method CreditCard");
    validation.throwIfAny();
  }
  const CardInput& card = *input.card;
  auto digits = normalizeCardNumber(card.number);
  SecretString number(digits.value_or(""));
  if (digits) sodium_memzero(digits->data(), digits->size());
  std::string brand;
  if (!digits) {
    validation.add(field("card.number"), "must contain only digits, spaces and dashes");
  } else if (number.reveal().size() < 12 || number.reveal().size() > 19) {
    validation.add(field("card.number"), "must have 12 to 19 digits");
  } else if (!luhnValid(number.reveal())) {
    validation.add(field("card.number"), "is not a valid card number (check digit)");
  } else {
    brand = cardBrand(number.reveal());
  }
  if (card.expMonth < 1 || card.expMonth > 12) {
    validation.add(field("card.expMonth"), "must be a month from 1 to 12");
  } else if (card.expYear < 2000 || card.expYear > 2200) {
    validation.add(field("card.expYear"), "must be a four-digit year");
  } else if (!expiryValid(card.expMonth, card.expYear, clock_.now())) {
    validation.add(field("card.expYear"), "the card has expired");
  }
  bool cvcDigits = !card.cvc.empty() && card.cvc.find_first_not_of("0123456789") == std::string::npos;
  std::size_t cvcLength = brand == "Amex" ? 4 : 3;
  if (!cvcDigits || (brand.empty() ? (card.cvc.size() < 3 || card.cvc.size() > 4) : card.cvc.size() != cvcLength)) {
    validation.add(field("card.cvc"), brand == "Amex" ? "must be 4 digits for Amex" : "must be 3 digits (4 for Amex)");
  }
  auto blank = card.holderName.find_first_not_of(" \t") == std::string::npos;
  if (blank) {
    validation.add(field("card.holderName"), "is required");
  } else if (card.holderName.size() > 200) {
    validation.add(field("card.holderName"), "must be at most 200 characters");
  }
  validation.throwIfAny();

  const std::string& n = number.reveal();
  method.brand = brand;
  method.last4 = n.substr(n.size() - 4);
  method.expMonth = card.expMonth;
  method.expYear = card.expYear;
  method.fingerprint = cardFingerprint(n, fingerprintKey_.reveal());
  method.holderName = card.holderName;
  method.cardToken = vault_.put(VaultedCard{number, SecretString(card.cvc)});
  return method;
}

}  // namespace boxoffice::payments
