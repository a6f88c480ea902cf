// Card checks before any gateway: Luhn, brand, expiry, CVC, the vault and the fingerprint.
#include "card.hpp"

#include <doctest/doctest.h>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"

using namespace boxoffice;
using namespace boxoffice::payments;

namespace {

ManualClock clockAt(const char* rfc3339) { return ManualClock(*parseRfc3339(rfc3339)); }

PaymentInput card(std::string number, int month = 12, int year = 2030, std::string cvc = "123",
                  std::string holder = "Ada Lovelace") {
  return PaymentInput{"CreditCard", CardInput{std::move(number), month, year, std::move(cvc), std::move(holder)}};
}

std::vector<std::string> fieldsOf(const MethodPreparer& methods, const PaymentInput& input) {
  try {
    methods.prepare(input, "payment");
  } catch (const Problem& problem) {
    CHECK(problem.status() == 400);
    std::vector<std::string> out;
    for (const auto& e : problem.errors()) out.push_back(e.field);
    return out;
  }
  return {};
}

}  // namespace

TEST_CASE("Luhn accepts the test cards and rejects a changed digit") {
  CHECK(luhnValid("4242424242424242"));
  CHECK(luhnValid("4000000000000002"));
  CHECK(luhnValid("4000000000009995"));
  CHECK(luhnValid("4000000000000119"));
  CHECK(luhnValid("378282246310005"));
  CHECK_FALSE(luhnValid("4242424242424241"));
  CHECK_FALSE(luhnValid(""));
  CHECK_FALSE(luhnValid("42a2"));
}

TEST_CASE("card numbers: spaces and dashes are ignored, anything else refused") {
  CHECK(normalizeCardNumber("4242 4242-4242 4242") == std::optional<std::string>("4242424242424242"));
  CHECK_FALSE(normalizeCardNumber("4242.4242"));
}

TEST_CASE("brands from prefixes") {
  CHECK(cardBrand("4242424242424242") == "Visa");
  CHECK(cardBrand("5555555555554444") == "Mastercard");
  CHECK(cardBrand("2223003122003222") == "Mastercard");
  CHECK(cardBrand("378282246310005") == "Amex");
  CHECK(cardBrand("6011111111111117") == "Discover");
  CHECK(cardBrand("9999999999999995") == "Unknown");
}

TEST_CASE("expiry: the whole expiry month is valid, the month after is not") {
  auto now = *parseRfc3339("2027-03-31T23:59:00Z");
  CHECK(expiryValid(3, 2027, now));
  CHECK(expiryValid(1, 2028, now));
  CHECK_FALSE(expiryValid(2, 2027, now));
  CHECK_FALSE(expiryValid(12, 2026, now));
  CHECK_FALSE(expiryValid(13, 2030, now));
}

TEST_CASE("the fingerprint is keyed and stable") {
  auto a = cardFingerprint("4242424242424242", "key-one-key-one-key-one");
  CHECK(a == cardFingerprint("4242424242424242", "key-one-key-one-key-one"));
  CHECK(a != cardFingerprint("4242424242424242", "key-two-key-two-key-two"));
  CHECK(a != cardFingerprint("5555555555554444", "key-one-key-one-key-one"));
  CHECK(a.find("4242") == std::string::npos);
  CHECK(a.size() == 64);
}

TEST_CASE("prepare: a good card becomes brand, last4, expiry, fingerprint and a vault token") {
  auto clock = clockAt("2027-01-15T10:00:00Z");
  CardVault vault(clock, 10, std::chrono::minutes(30));
  MethodPreparer methods(clock, vault, SecretString("fingerprint-key-for-tests"));
  auto method = methods.prepare(card("4242 4242 4242 4242"), "payment");
  CHECK(method.method == "CreditCard");
  CHECK(method.brand == std::optional<std::string>("Visa"));
  CHECK(method.last4 == std::optional<std::string>("4242"));
  CHECK(method.expMonth == 12);
  CHECK(method.fingerprint->size() == 64);
  REQUIRE(method.cardToken);
  auto held = vault.find(*method.cardToken);
  REQUIRE(held);
  CHECK(held->number.reveal() == "4242424242424242");
  CHECK(held->cvc.reveal() == "123");
  // A card that will never be charged is wiped at once by whoever holds its token.
  const PaymentMethods& contract = methods;
  contract.discard(*method.cardToken);
  contract.discard("card_unknown");
  CHECK(vault.size() == 0);
}

TEST_CASE("prepare: every bad field is named under the prefix") {
  auto clock = clockAt("2027-01-15T10:00:00Z");
  CardVault vault(clock, 10, std::chrono::minutes(30));
  MethodPreparer methods(clock, vault, SecretString("fingerprint-key-for-tests"));
  CHECK(fieldsOf(methods, card("4242424242424241")) == std::vector<std::string>{"payment.card.number"});
  CHECK(fieldsOf(methods, card("42424242424")) == std::vector<std::string>{"payment.card.number"});
  CHECK(fieldsOf(methods, card("4242x4242")) == std::vector<std::string>{"payment.card.number"});
  CHECK(fieldsOf(methods, card("4242424242424242", 12, 2026)) == std::vector<std::string>{"payment.card.expYear"});
  CHECK(fieldsOf(methods, card("4242424242424242", 13)) == std::vector<std::string>{"payment.card.expMonth"});
  CHECK(fieldsOf(methods, card("4242424242424242", 12, 2030, "12")) == std::vector<std::string>{"payment.card.cvc"});
  CHECK(fieldsOf(methods, card("378282246310005", 12, 2030, "123")) == std::vector<std::string>{"payment.card.cvc"});
  CHECK(fieldsOf(methods, card("378282246310005", 12, 2030, "1234")).empty());
  CHECK(fieldsOf(methods, card("4242424242424242", 12, 2030, "123", " ")) ==
        std::vector<std::string>{"payment.card.holderName"});
  CHECK(fieldsOf(methods, PaymentInput{"Cash", std::nullopt}) == std::vector<std::string>{"payment.method"});
  CHECK(fieldsOf(methods, PaymentInput{"CreditCard", std::nullopt}) == std::vector<std::string>{"payment.card"});
  CHECK(fieldsOf(methods, PaymentInput{"PayPal", std::nullopt}).empty());
  CHECK(vault.size() == 1);  // only the good Amex card was vaulted
}

TEST_CASE("the vault forgets after its TTL and refuses when full of live cards") {
  ManualClock clock;
  CardVault vault(clock, 2, std::chrono::minutes(30));
  auto a = vault.put({SecretString("4242424242424242"), SecretString("123")});
  auto b = vault.put({SecretString("4242424242424242"), SecretString("456")});
  CHECK(a != b);
  CHECK_THROWS_AS(vault.put({SecretString("4242424242424242"), SecretString("789")}), Problem);
  clock.advance(std::chrono::minutes(31));
  CHECK_FALSE(vault.find(a));
  auto c = vault.put({SecretString("4242424242424242"), SecretString("789")});  // expired ones make room
  CHECK(vault.find(c));
  vault.erase(c);
  CHECK_FALSE(vault.find(c));
}
