#pragma once
// The payments module's contract (seed 000 PaymentProcessing, seed 003 Payment service): payment
// attempts through simulated gateways, refunds, chargebacks, a fraud score, reporting. Other
// modules ask it to charge, void or refund by command messages (messages.hpp); the one
// synchronous call is PaymentMethods::prepare, which checks what a buyer typed and swaps a card
// for a token before the card could reach any message, row or log line.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/kernel/module.hpp"
#include "boxoffice/payments/messages.hpp"

namespace boxoffice {
struct ConfigKey;  // boxoffice/kernel/config.hpp, for whoever calls configKeys()
}  // namespace boxoffice
namespace boxoffice::events {
// Only a pointer crosses this contract (the module's sources USE events), so contracts stay
// independent of each other.
class EventQueries;
}  // namespace boxoffice::events

namespace boxoffice::payments {

// What a buyer sends as the `card` of a payment. Lives only in memory, for one request.
struct CardInput {
  std::string number;  // digits; spaces and dashes are ignored
  int expMonth = 0;
  int expYear = 0;
  std::string cvc;
  std::string holderName;
};

struct PaymentInput {
  std::string method;  // CreditCard | PayPal | BankTransfer
  std::optional<CardInput> card;
};

class PaymentMethods {
 public:
  virtual ~PaymentMethods() = default;
  // Checks the method (and for a card: Luhn, expiry against the clock, CVC length, holder name)
  // and returns what may be stored and sent: brand, last4, expiry, a keyed fingerprint and a
  // token under which the card vault keeps the number and CVC in memory for the charge. Throws a
  // 400 validation Problem naming fields under `fieldPrefix` ("payment.card.number") when the
  // input is not acceptable. No gateway is called. Callable from any thread.
  virtual messages::PaymentMethod prepare(const PaymentInput& input, const std::string& fieldPrefix) const = 0;
  // Wipes the card behind a token that will never be charged (the order failed or was cancelled
  // before ChargePayment, a request failed after prepare). Unknown or empty tokens are ignored;
  // the vault wipes a forgotten card at its TTL anyway. Callable from any thread.
  virtual void discard(const std::string& cardToken) const { static_cast<void>(cardToken); }
};

class PaymentsModule : public Module {
 public:
  // Valid for the module's lifetime.
  virtual const PaymentMethods& methods() const = 0;
};

// payments.* keys: gateways (latency, failure rate, timeout), bank settlement, fraud threshold,
// retries, secrets (card fingerprint key, webhook secrets).
std::vector<ConfigKey> configKeys();

// What the payments module gets from other modules, handed over by the composition root.
struct Collaborators {
  // Who organizes an event (GET /payments/{id} and the report are open to the event's Organizer).
  const events::EventQueries* events = nullptr;
};

std::unique_ptr<PaymentsModule> createModule(const ModuleDeps& deps, Collaborators collaborators);

}  // namespace boxoffice::payments
