#pragma once
// The payment processor: carries out the saga's commands and drives payments through the
// gateways. No gateway is ever called inside a database transaction (it would hold the write
// lock for the gateway's latency):
//   1. the command handler (inside the inbox transaction) records the payment Pending, with its
//      fraud score, or refuses it at once (fraud, nothing to charge);
//   2. this worker moves due payments to Processing in one transaction (durable before any
//      gateway call), then calls the gateway;
//   3. answers arrive on the gateways' io thread, are queued, and the worker records each
//      outcome and its reply message in one transaction per batch.
// A payment found Processing without a call in flight (after a restart, or after a timeout) is
// first asked about (status query by its idempotency key = the payment id) and charged again
// only if the gateway never charged it. Transient failures retry with backoff on the injected
// Clock. Refunds go the same way (a refund is idempotent at the gateway by its refund id); a
// refund is money owed to a buyer, so one that fails is retried for ever (at the capped
// interval, logged and counted in payments_refunds_stuck once it failed maxAttempts times).
// Every command is answered, and a repeated one is answered again (replies.hpp).
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/message.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "card.hpp"
#include "fraud.hpp"
#include "gateway.hpp"
#include "model.hpp"
#include "refund_rules.hpp"

namespace boxoffice::payments {

struct ProcessorSettings {
  int maxInFlight = 1000;          // gateway calls at once
  int maxAttempts = 5;             // charge attempts before gateway-unavailable
  std::int64_t retryBaseMs = 500;  // backoff: base * 2^(attempt-1), capped
  std::int64_t retryMaxMs = 60'000;
  // A payment handed to the gateway is looked at again (status query) after this if no answer
  // was recorded; its row is not "due" meanwhile, so the worker does not re-read it every round.
  // Kept well below orders.sagaTimeoutSeconds (120 s): a lost answer is looked for before the saga
  // gives up on the charge (payments.answerGraceMs).
  std::int64_t answerGraceMs = 30'000;
  // Other instances' processors work on the same tables (PostgreSQL with cluster.advertiseUrl;
  // docs/architecture.md#more-than-one-instance): a Processing payment may be another's call in
  // flight, and a card may be in another's vault.
  bool severalInstances = false;
  FraudSettings fraud;
};

void describeMetrics(Metrics& metrics);

class PaymentProcessor {
 public:
  PaymentProcessor(Database& store, const Clock& clock, Logger log, Metrics& metrics, CardVault& vault,
                   std::map<std::string, PaymentGateway*> gateways, ProcessorSettings settings);
  ~PaymentProcessor();
  PaymentProcessor(const PaymentProcessor&) = delete;
  PaymentProcessor& operator=(const PaymentProcessor&) = delete;

  // start() first runs recover(): after a restart, every Processing payment is due at once, so
  // the gateway is asked about it before anything else.
  void start();
  void stop();
  void recover();
  void wake() { worker_.wake(); }

  // The command handlers (inside the inbox transaction; replies published through `tx`).
  void handle(const messages::ChargePayment& command, const Envelope& envelope, Tx& tx);
  void handle(const messages::VoidPayment& command, const Envelope& envelope, Tx& tx);
  void handle(const messages::RefundPayment& command, const Envelope& envelope, Tx& tx);

  // Records a refund to be made (the worker calls the gateway, then publishes PaymentRefunded
  // with the payment's correlation id).
  Refund requestRefund(Tx& tx, const Payment& payment, const RefundPlan& plan, const std::string& reason,
                       const std::string& requestedBy, const std::string& origin = refund_origin::kAdmin,
                       const std::optional<std::string>& refundId = std::nullopt);

  // A gateway's chargeback of `payment` (a webhook): the payment becomes ChargedBack, its Pending
  // refunds are cancelled (never sent afterwards; a command's refund is answered "nothing left"),
  // PaymentChargedBack is published (the order's correlation id; `causationId`: the webhook's
  // request id). False if the payment is not captured money of `gateway`.
  bool chargeBack(Tx& tx, Payment payment, const std::string& gateway, const std::string& reason,
                  const std::string& gatewayEventId, const std::string& causationId = {});

  // One round of the worker, for tests that drive it by hand: records the answers received so
  // far, then starts calls for what is due. Returns when to run again.
  std::optional<std::chrono::milliseconds> step();
  std::size_t inFlight() const;

 private:
  enum class Call { Charge, Status, Refund };
  struct Outcome {
    Call call;
    std::string id;  // payment id, or refund id
    GatewayAnswer answer;
  };
  void applyOutcomes();
  void apply(Tx& tx, const Outcome& outcome, std::vector<std::string>& forget);
  void applyRefund(Tx& tx, const Outcome& outcome);
  void startDueCalls();
  std::vector<std::pair<Call, Payment>> claimDuePayments(std::int64_t now, int room);
  void startRefunds(std::int64_t now, int room);
  void onAnswer(Call call, std::string id, std::string gateway, GatewayAnswer answer);
  PaymentGateway* gatewayOf(const std::string& name) const;

  // State changes (each inside `tx`, with its reply).
  void complete(Tx& tx, Payment& payment, const std::string& transactionId);
  void fail(Tx& tx, Payment& payment, const std::string& reason, const std::string& detail);
  void retryLater(Tx& tx, Payment& payment, const std::string& why);
  void refundCompleted(Tx& tx, Refund& refund);
  std::int64_t backoffMs(int attempt) const;

  // Replies again with what a command about `payment` was answered (nothing while the outcome
  // is still to come).
  static void replayCharge(Tx& tx, const Payment& payment);
  static void replayRefund(Tx& tx, const Payment& payment, const Refund& refund);
  void voidCaptured(Tx& tx, const Payment& payment, const std::string& reason);
  void voidPlaceholder(Tx& tx, const std::string& orderId, const std::string& reason, const std::string& correlationId);
  void forgetCardAfterCommit(Tx& tx, const std::string& token);
  void countAfterCommit(Tx& tx, const char* name, Labels labels = {});

  Database& store_;
  const Clock& clock_;
  Logger log_;
  Metrics& metrics_;
  CardVault& vault_;
  std::map<std::string, PaymentGateway*> gateways_;
  ProcessorSettings settings_;
  mutable std::mutex mutex_;
  std::set<std::string> inFlight_;  // payment and refund ids with a gateway call under way
  std::deque<Outcome> outcomes_;
  BackgroundWorker worker_;  // last: stops before the state it uses goes
};

}  // namespace boxoffice::payments
