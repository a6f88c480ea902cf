#include "processor.hpp"

#include <algorithm>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/time.hpp"
#include "store.hpp"

namespace boxoffice::payments {

namespace {
constexpr const char* kCharges = "payments_charges_total";
constexpr const char* kLatency = "payments_gateway_latency_seconds";
constexpr const char* kRefunds = "payments_refunds_total";
constexpr const char* kFraud = "payments_fraud_refusals_total";
constexpr const char* kInFlight = "payments_gateway_calls_in_flight";
}  // namespace

void describeMetrics(Metrics& metrics) {
  metrics.describe(kCharges, "counter", "Charges finished, by gateway and result (succeeded, declined, failed).");
  metrics.describe(kLatency, "histogram", "Gateway call latency in seconds, by gateway and operation.",
                   {0.001, 0.005, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10});
  metrics.describe(kRefunds, "counter", "Refunds made at the gateway, by gateway.");
  metrics.describe("payments_chargebacks_total", "counter", "Chargebacks received by webhook, by gateway.");
  metrics.describe(kFraud, "counter", "Charges refused because the fraud score was above the threshold.");
  metrics.describe(kInFlight, "gauge", "Gateway calls under way.");
}

PaymentProcessor::PaymentProcessor(Database& store, const Clock& clock, Logger log, Metrics& metrics, CardVault& vault,
                                   std::map<std::string, PaymentGateway*> gateways, ProcessorSettings settings)
    : store_(store),
      clock_(clock),
      log_(std::move(log)),
      metrics_(metrics),
      vault_(vault),
      gateways_(std::move(gateways)),
      settings_(settings),
      worker_("payments-processor", clock, log_, [this] { return step(); }) {}

PaymentProcessor::~PaymentProcessor() { stop(); }

void PaymentProcessor::start() {
  recover();
  worker_.start();
}

void PaymentProcessor::recover() {
  const auto now = clock_.nowMillis();
  store_.write([&](Tx& tx) { tx.exec("UPDATE payments SET next_attempt_at = ?1 WHERE status = 'Processing'", now); });
}
void PaymentProcessor::stop() { worker_.stop(); }

std::size_t PaymentProcessor::inFlight() const {
  std::lock_guard lock(mutex_);
  return inFlight_.size();
}

PaymentGateway* PaymentProcessor::gatewayOf(const std::string& name) const {
  auto it = gateways_.find(name);
  return it == gateways_.end() ? nullptr : it->second;
}

std::int64_t PaymentProcessor::backoffMs(int attempt) const {
  std::int64_t delay = settings_.retryBaseMs;
  for (int i = 1; i < attempt && delay < settings_.retryMaxMs; ++i) delay *= 2;
  return std::min(delay, settings_.retryMaxMs);
}

// ---- commands ------------------------------------------------------------------------------

void PaymentProcessor::handle(const messages::ChargePayment& command, const Envelope& envelope, Tx& tx) {
  if (store::findByOrder(tx.sql(), command.orderId)) return;  // one payment per order: a redelivery
  const auto now = clock_.nowMillis();
  Payment p;
  p.paymentId = newUuid();
  p.orderId = command.orderId;
  p.userId = command.userId;
  p.eventId = command.eventId;
  p.reservationIds = command.reservationIds;
  p.items = command.items;
  p.amount = command.amount;
  p.status = status::kPending;
  p.method = command.paymentMethod.method;
  p.gateway = gatewayFor(p.method);
  p.ipAddress = command.ipAddress;
  p.userAgent = command.userAgent;
  const auto& m = command.paymentMethod;
  p.cardBrand = m.brand.value_or("");
  p.cardLast4 = m.last4.value_or("");
  p.cardExpMonth = m.expMonth;
  p.cardExpYear = m.expYear;
  p.cardFingerprint = m.fingerprint.value_or("");
  p.cardHolderName = m.holderName.value_or("");
  p.cardToken = m.cardToken.value_or("");
  p.correlationId = envelope.correlationId;
  p.nextAttemptAt = now;
  p.createdAt = now;
  p.updatedAt = now;
  auto facts =
      gatherFraudFacts(tx.sql(), p.userId, p.cardFingerprint, p.amount.currency, p.amount.amount, now, settings_.fraud);
  auto assessment = assess(facts, settings_.fraud);
  p.fraudScore = assessment.score;
  store::insertPayment(tx, p);
  // A payment refused here never needs its card: it leaves the vault once the refusal is durable.
  auto forgetCard = [&] { tx.afterCommit([this, token = p.cardToken] { vault_.erase(token); }); };
  if (p.amount.amount <= 0 || p.amount.currency.size() != 3) {
    forgetCard();
    fail(tx, p, "invalid-amount", "The amount to charge must be positive with an ISO 4217 currency.");
  } else if (assessment.refused) {
    forgetCard();
    metrics_.increment(kFraud);
    fail(tx, p, "fraud-suspected",
         "The payment was refused as suspected fraud (score " + std::to_string(assessment.score) + " above " +
             std::to_string(settings_.fraud.threshold) + "). " + assessment.detail());
  } else if (!gatewayOf(p.gateway)) {
    forgetCard();
    fail(tx, p, "unsupported-method", "No gateway serves payment method " + p.method + ".");
  } else {
    tx.afterCommit([this] { worker_.wake(); });
  }
}

void PaymentProcessor::handle(const messages::VoidPayment& command, const Envelope& envelope, Tx& tx) {
  const auto now = clock_.nowMillis();
  auto found = store::findByOrder(tx.sql(), command.orderId);
  if (!found) {
    // The charge never arrived (or comes later): record the order as voided so a late
    // ChargePayment finds it and charges nothing.
    Payment p;
    p.paymentId = newUuid();
    p.orderId = command.orderId;
    p.status = status::kFailed;
    p.method = "None";
    p.gateway = "none";
    p.voidReason = command.reason;
    p.correlationId = envelope.correlationId;
    p.createdAt = now;
    p.updatedAt = now;
    p.processedAt = now;
    p.failureReason = "voided";
    p.failureDetail = "The order was voided (" + command.reason + ") before it was charged.";
    store::insertPayment(tx, p);
    store::updatePayment(tx, p);
    tx.publish(
        messages::PaymentFailed{p.paymentId, p.orderId, p.userId, p.eventId, p.amount, "voided", p.failureDetail},
        envelope.correlationId);
    return;
  }
  Payment p = *found;
  if (!p.voidReason.empty()) return;  // a redelivered void
  p.voidReason = command.reason;
  p.updatedAt = now;
  if (p.status == status::kPending) {
    vault_.erase(p.cardToken);
    fail(tx, p, "voided", "The order was voided (" + command.reason + ") before it was charged.");
  } else if (p.status == status::kProcessing) {
    // A gateway call may be under way: its outcome decides (a charge that completes is refunded).
    store::updatePayment(tx, p);
  } else if (p.captured()) {
    store::updatePayment(tx, p);
    auto refunds = store::refundsOf(tx.sql(), p.paymentId);
    RefundPlan plan{remainingAmount(p, refunds), {}};
    if (plan.amount > 0) {
      requestRefund(tx, p, plan, command.reason, "system", envelope.correlationId);
    } else {
      tx.publish(messages::PaymentRefunded{p.paymentId,
                                           p.orderId,
                                           p.userId,
                                           p.eventId,
                                           "",
                                           Money{0, p.amount.currency},
                                           p.amount,
                                           true,
                                           command.reason,
                                           {}},
                 envelope.correlationId);
    }
  } else if (p.status == status::kFailed) {
    store::updatePayment(tx, p);
    tx.publish(messages::PaymentFailed{p.paymentId, p.orderId, p.userId, p.eventId, p.amount, p.failureReason,
                                       p.failureDetail},
               envelope.correlationId);
  } else {
    // Refunded or ChargedBack: nothing is left charged.
    store::updatePayment(tx, p);
    tx.publish(messages::PaymentRefunded{p.paymentId,
                                         p.orderId,
                                         p.userId,
                                         p.eventId,
                                         "",
                                         Money{0, p.amount.currency},
                                         Money{p.amount.amount - p.chargedBackAmount, p.amount.currency},
                                         true,
                                         command.reason,
                                         {}},
               envelope.correlationId);
  }
}

void PaymentProcessor::handle(const messages::RefundPayment& command, const Envelope& envelope, Tx& tx) {
  if (store::findRefund(tx.sql(), command.refundId)) return;  // a redelivery: idempotent by refund id
  auto found = store::findByOrder(tx.sql(), command.orderId);
  if (!found) {
    log_.warn("RefundPayment for an order without a payment", {{"orderId", command.orderId}});
    return;
  }
  Payment p = *found;
  const auto now = clock_.nowMillis();
  if (p.status == status::kPending) {
    p.voidReason = command.reason;
    p.updatedAt = now;
    vault_.erase(p.cardToken);
    fail(tx, p, "voided", "The order was cancelled (" + command.reason + ") before it was charged.");
  } else if (p.status == status::kProcessing) {
    if (!p.voidReason.empty()) return;
    p.voidReason = command.reason;
    p.voidRefundId = command.refundId;
    p.updatedAt = now;
    store::updatePayment(tx, p);
  } else if (p.captured()) {
    auto refunds = store::refundsOf(tx.sql(), p.paymentId);
    RefundPlan plan{remainingAmount(p, refunds), remainingSeats(p, refunds)};
    requestRefund(tx, p, plan, command.reason, "system", envelope.correlationId, command.refundId);
  } else if (p.status == status::kFailed) {
    tx.publish(messages::PaymentFailed{p.paymentId, p.orderId, p.userId, p.eventId, p.amount, p.failureReason,
                                       p.failureDetail},
               envelope.correlationId);
  } else {
    tx.publish(messages::PaymentRefunded{p.paymentId,
                                         p.orderId,
                                         p.userId,
                                         p.eventId,
                                         command.refundId,
                                         Money{0, p.amount.currency},
                                         Money{p.amount.amount - p.chargedBackAmount, p.amount.currency},
                                         true,
                                         command.reason,
                                         {}},
               envelope.correlationId);
  }
}

Refund PaymentProcessor::requestRefund(Tx& tx, const Payment& payment, const RefundPlan& plan,
                                       const std::string& reason, const std::string& requestedBy,
                                       const std::string& correlationId, const std::optional<std::string>& refundId) {
  Refund r;
  r.refundId = refundId.value_or(newUuid());
  r.paymentId = payment.paymentId;
  r.amount = Money{plan.amount, payment.amount.currency};
  r.seats = plan.seats;
  r.reason = reason;
  r.status = "Pending";
  r.requestedBy = requestedBy;
  r.correlationId = correlationId;
  r.createdAt = clock_.nowMillis();
  r.nextAttemptAt = r.createdAt;
  store::insertRefund(tx, r);
  tx.afterCommit([this] { worker_.wake(); });
  return r;
}

// ---- state changes -------------------------------------------------------------------------

void PaymentProcessor::complete(Tx& tx, Payment& p, const std::string& transactionId) {
  const auto now = clock_.nowMillis();
  p.status = status::kCompleted;
  p.gatewayTransactionId = transactionId;
  p.processedAt = now;
  p.updatedAt = now;
  p.cardToken.clear();
  store::updatePayment(tx, p);
  metrics_.increment(kCharges, {{"gateway", p.gateway}, {"result", "succeeded"}});
  if (!p.voidReason.empty()) {
    // Voided while the charge was under way: the charge stands at the gateway, so it is refunded
    // in full; the saga hears PaymentRefunded, not PaymentCompleted.
    std::optional<std::string> refundId;
    if (!p.voidRefundId.empty()) refundId = p.voidRefundId;
    requestRefund(tx, p, RefundPlan{p.amount.amount, {}}, p.voidReason, "system", p.correlationId, refundId);
    return;
  }
  tx.publish(messages::PaymentCompleted{p.paymentId, p.orderId, p.userId, p.eventId, p.amount, p.method, p.gateway,
                                        transactionId, formatRfc3339(fromUnixMillis(now))},
             p.correlationId);
}

void PaymentProcessor::fail(Tx& tx, Payment& p, const std::string& reason, const std::string& detail) {
  const auto now = clock_.nowMillis();
  p.status = status::kFailed;
  p.failureReason = reason;
  p.failureDetail = detail;
  p.processedAt = now;
  p.updatedAt = now;
  p.cardToken.clear();
  store::updatePayment(tx, p);
  metrics_.increment(kCharges,
                     {{"gateway", p.gateway},
                      {"result", reason == "card-declined" || reason == "insufficient-funds" ? "declined" : "failed"}});
  tx.publish(messages::PaymentFailed{p.paymentId, p.orderId, p.userId, p.eventId, p.amount, reason, detail},
             p.correlationId);
}

void PaymentProcessor::retryLater(Tx& tx, Payment& p, const std::string& why) {
  const auto now = clock_.nowMillis();
  if (!p.voidReason.empty()) {
    vault_.erase(p.cardToken);
    fail(tx, p, "voided", "The order was voided (" + p.voidReason + ") before it was charged.");
    return;
  }
  if (p.attempts >= settings_.maxAttempts) {
    vault_.erase(p.cardToken);
    fail(tx, p, "gateway-unavailable",
         "The " + p.gateway + " gateway failed " + std::to_string(p.attempts) + " times: " + why);
    return;
  }
  p.status = status::kPending;  // nothing was charged: charge again later
  p.nextAttemptAt = now + backoffMs(p.attempts);
  p.updatedAt = now;
  store::updatePayment(tx, p);
}

void PaymentProcessor::refundCompleted(Tx& tx, Refund& r) {
  const auto now = clock_.nowMillis();
  r.status = "Completed";
  r.completedAt = now;
  store::updateRefund(tx, r);
  auto p = store::findPayment(tx.sql(), r.paymentId);
  if (!p) return;
  std::int64_t refundedTotal = 0;
  for (const auto& other : store::refundsOf(tx.sql(), p->paymentId)) {
    if (other.status == "Completed") refundedTotal += other.amount.amount;
  }
  bool full = refundedTotal >= p->amount.amount;
  if (p->status != status::kChargedBack) {
    p->status = full ? status::kRefunded : status::kPartiallyRefunded;
    p->updatedAt = now;
    store::updatePayment(tx, *p);
  }
  metrics_.increment(kRefunds, {{"gateway", p->gateway}});
  tx.publish(messages::PaymentRefunded{p->paymentId, p->orderId, p->userId, p->eventId, r.refundId, r.amount,
                                       Money{refundedTotal, p->amount.currency}, full, r.reason, r.seats},
             r.correlationId);
}

// ---- the worker ----------------------------------------------------------------------------

std::optional<std::chrono::milliseconds> PaymentProcessor::step() {
  applyOutcomes();
  startDueCalls();
  auto next = store_.read([](soci::session& sql) { return store::nextDue(sql); });
  metrics_.set(kInFlight, {}, static_cast<double>(inFlight()));
  if (!next) return std::nullopt;
  auto wait = *next - clock_.nowMillis();
  // Due rows still waiting are those whose call is in flight: their answer wakes the worker.
  return std::chrono::milliseconds(std::clamp<std::int64_t>(wait, 50, 5000));
}

void PaymentProcessor::onAnswer(Call call, std::string id, std::string gateway, GatewayAnswer answer) {
  static constexpr const char* kOperations[] = {"charge", "status", "refund"};
  metrics_.observe(kLatency, {{"gateway", gateway}, {"operation", kOperations[static_cast<int>(call)]}},
                   answer.latencySeconds);
  {
    std::lock_guard lock(mutex_);
    outcomes_.push_back(Outcome{call, std::move(id), std::move(answer)});
  }
  worker_.wake();
}

void PaymentProcessor::applyOutcomes() {
  std::deque<Outcome> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(outcomes_);
  }
  if (batch.empty()) return;
  std::vector<std::string> forget;
  try {
    store_.write([&](Tx& tx) {
      forget.clear();
      for (const auto& outcome : batch) apply(tx, outcome, forget);
    });
  } catch (const std::exception& e) {
    // Nothing recorded: the calls count as not in flight, so each payment is asked about again.
    log_.error("recording gateway answers failed", {{"error", e.what()}});
  }
  for (const auto& token : forget) vault_.erase(token);
  std::lock_guard lock(mutex_);
  for (const auto& outcome : batch) inFlight_.erase(outcome.id);
}

void PaymentProcessor::apply(Tx& tx, const Outcome& outcome, std::vector<std::string>& forget) {
  const auto now = clock_.nowMillis();
  const auto& a = outcome.answer;
  if (outcome.call == Call::Refund) {
    auto r = store::findRefund(tx.sql(), outcome.id);
    if (!r || r->status != "Pending") return;
    if (a.result == GatewayResult::Succeeded) {
      refundCompleted(tx, *r);
    } else if (a.result == GatewayResult::Declined) {
      r->status = "Failed";
      r->failureReason = a.declineReason;
      store::updateRefund(tx, *r);
      log_.error("refund declined by the gateway", {{"refundId", r->refundId}, {"reason", a.declineReason}});
    } else {
      r->attempts += 1;
      r->nextAttemptAt = now + backoffMs(r->attempts);
      store::updateRefund(tx, *r);
    }
    return;
  }
  auto found = store::findPayment(tx.sql(), outcome.id);
  if (!found || found->status != status::kProcessing) return;
  Payment p = *found;
  std::string token = p.cardToken;
  switch (a.result) {
    case GatewayResult::Succeeded:
      complete(tx, p, a.transactionId);
      forget.push_back(token);
      break;
    case GatewayResult::Declined:
      fail(tx, p, p.voidReason.empty() ? a.declineReason : "voided",
           p.voidReason.empty() ? a.detail : "The order was voided (" + p.voidReason + "); the charge was declined.");
      forget.push_back(token);
      break;
    case GatewayResult::Pending:  // a bank transfer: ask again when it should have settled
      p.gatewayTransactionId = a.transactionId;
      p.nextAttemptAt = std::max(a.settlesAtMs, now);
      p.updatedAt = now;
      store::updatePayment(tx, p);
      break;
    case GatewayResult::NotFound:  // never charged: a new attempt is safe
    case GatewayResult::TransientError:
      if (outcome.call == Call::Status && a.result == GatewayResult::TransientError) {
        p.nextAttemptAt = now + backoffMs(p.attempts);  // still unknown: ask again later
        p.updatedAt = now;
        store::updatePayment(tx, p);
      } else {
        retryLater(tx, p, a.detail);
      }
      break;
    case GatewayResult::Timeout:  // unknown: the next round asks for the status first
      p.nextAttemptAt = outcome.call == Call::Status ? now + backoffMs(p.attempts) : now;
      p.updatedAt = now;
      store::updatePayment(tx, p);
      break;
  }
}

void PaymentProcessor::startDueCalls() {
  const auto now = clock_.nowMillis();
  int room = settings_.maxInFlight - static_cast<int>(inFlight());
  if (room <= 0) return;
  auto due = store_.read(
      [&](soci::session& sql) { return store::duePayments(sql, now, room + static_cast<int>(inFlight())); });
  std::vector<std::pair<Call, Payment>> calls;
  if (!due.empty()) {
    store_.write([&](Tx& tx) {
      calls.clear();
      for (auto& candidate : due) {
        {
          std::lock_guard lock(mutex_);
          if (inFlight_.contains(candidate.paymentId)) continue;
        }
        if (static_cast<int>(calls.size()) >= room) break;
        auto fresh = store::findPayment(tx.sql(), candidate.paymentId);
        if (!fresh) continue;
        Payment p = *fresh;
        if (p.status == status::kProcessing) {
          p.nextAttemptAt = now + settings_.answerGraceMs;
          store::updatePayment(tx, p);
          calls.emplace_back(Call::Status, p);  // outcome unknown: ask before anything else
          continue;
        }
        if (p.status != status::kPending) continue;
        if (!p.voidReason.empty()) {
          fail(tx, p, "voided", "The order was voided (" + p.voidReason + ") before it was charged.");
          continue;
        }
        if (p.method == "CreditCard" && !vault_.find(p.cardToken)) {
          fail(tx, p, "card-details-lost",
               "The card details are no longer held (they are kept in memory only, for a limited time); pay again.");
          continue;
        }
        p.status = status::kProcessing;  // durable before the gateway is called
        p.attempts += 1;
        p.nextAttemptAt = now + settings_.answerGraceMs;
        p.updatedAt = now;
        store::updatePayment(tx, p);
        calls.emplace_back(Call::Charge, p);
      }
    });
  }
  auto refunds = store_.read([&](soci::session& sql) { return store::dueRefunds(sql, now, room); });
  for (auto& entry : calls) {
    const Call call = entry.first;
    Payment& p = entry.second;
    auto* gateway = gatewayOf(p.gateway);
    if (!gateway) continue;
    {
      std::lock_guard lock(mutex_);
      inFlight_.insert(p.paymentId);
    }
    auto done = [this, call, id = p.paymentId, name = p.gateway](GatewayAnswer answer) {
      onAnswer(call, id, name, std::move(answer));
    };
    if (call == Call::Status) {
      gateway->status(p.paymentId, std::move(done));
    } else {
      ChargeRequest request{p.paymentId, p.amount, std::nullopt};
      if (p.method == "CreditCard") request.card = vault_.find(p.cardToken);
      gateway->charge(std::move(request), std::move(done));
    }
  }
  for (auto& r : refunds) {
    {
      std::lock_guard lock(mutex_);
      if (inFlight_.contains(r.refundId)) continue;
      inFlight_.insert(r.refundId);
    }
    auto p = store_.read([&](soci::session& sql) { return store::findPayment(sql, r.paymentId); });
    PaymentGateway* gateway = p ? gatewayOf(p->gateway) : nullptr;
    if (!gateway) {
      std::lock_guard lock(mutex_);
      inFlight_.erase(r.refundId);
      continue;
    }
    gateway->refund(RefundRequest{r.refundId, r.paymentId, r.amount},
                    [this, id = r.refundId, name = p->gateway](GatewayAnswer answer) {
                      onAnswer(Call::Refund, id, name, std::move(answer));
                    });
  }
}

}  // namespace boxoffice::payments
