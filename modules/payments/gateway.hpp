#pragma once
// One interface for every payment gateway, asynchronous: a call returns at once and its answer
// arrives later through a callback (on the gateways' own io thread; a callback must not block).
// The gateways here are simulations (simulated_gateway.hpp); a real one would implement the same.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "boxoffice/kernel/message.hpp"
#include "card.hpp"

namespace boxoffice::payments {

enum class GatewayResult {
  Succeeded,       // charged (or refunded)
  Declined,        // refused for good: declineReason says why (card-declined, insufficient-funds, ...)
  Pending,         // accepted, settles later (bank transfers): ask for the status after settlesAtMs
  NotFound,        // status: the gateway never made a charge under this idempotency key
  TransientError,  // nothing happened; retrying is safe
  Timeout,         // no answer in time: the charge may or may not have happened; ask for the status
};
std::string_view to_string(GatewayResult result);

struct GatewayAnswer {
  GatewayResult result = GatewayResult::TransientError;
  std::string transactionId;
  std::string declineReason;
  std::string detail;
  std::int64_t settlesAtMs = 0;  // Pending: when to ask again (Unix ms, the injected clock)
  double latencySeconds = 0;     // measured by the caller side of the gateway
};

struct ChargeRequest {
  std::string idempotencyKey;  // the payment id: the same key is never charged twice
  Money amount;
  std::optional<VaultedCard> card;  // CreditCard only
};

struct RefundRequest {
  std::string idempotencyKey;  // the refund id
  std::string chargeKey;       // the payment id the charge was made under
  Money amount;
};

using GatewayCallback = std::function<void(GatewayAnswer)>;

class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;
  virtual const std::string& name() const = 0;  // stripe | paypal | bank
  virtual void charge(ChargeRequest request, GatewayCallback done) = 0;
  // What happened to the charge made under `idempotencyKey`.
  virtual void status(std::string idempotencyKey, GatewayCallback done) = 0;
  // Idempotent by the refund's key: a retried refund is made once.
  virtual void refund(RefundRequest request, GatewayCallback done) = 0;
};

// Which gateway serves a payment method.
std::string gatewayFor(std::string_view method);

}  // namespace boxoffice::payments
