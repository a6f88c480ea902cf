#include "processor.hpp"

#include <algorithm>

#include "boxoffice/kernel/error_text.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/time.hpp"
#include "replies.hpp"
#include "store.hpp"

namespace boxoffice::payments {

namespace {
constexpr const char* kCharges = "payments_charges_total";
constexpr const char* kLatency = "payments_gateway_latency_seconds";
constexpr const char* kRefunds = "payments_refunds_total";
constexpr const char* kFraud = "payments_fraud_refusals_total";
constexpr const char* kInFlight = "payments_gateway_calls_in_flight";
constexpr const char* kChargebacks = "payments_chargebacks_total";
constexpr const char* kStuck = "payments_refunds_stuck";
// The vault's expired cards are wiped at least this often, even when nothing else is due.
constexpr std::int64_t kVaultTickMs = 5000;

std::string voidedDetail(const std::string& reason) {
  return "The order was voided (" + reason + ") before it was charged.";
}
}  // namespace

void describeMetrics(Metrics& metrics) {
  metrics.describe(kCharges, "counter", "Charges finished, by gateway and result (succeeded, declined, failed).");
  metrics.describe(kLatency, "histogram", "Gateway call latency in seconds, by gateway and operation.",
                   {0.001, 0.005, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10});
  metrics.describe(kRefunds, "counter", "Refunds made at the gateway, by gateway.");
  metrics.describe(kChargebacks, "counter", "Chargebacks received by webhook, by gateway.");
  metrics.describe(kStuck, "gauge",
                   "Refunds still failing after payments.maxAttempts attempts (retried at the capped interval).");
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
  // With several instances another one may be waiting for the answer to a call it made: its
  // payment is not this process's to ask about before answerGraceMs have passed since that call
  // (when the claim made it due again anyway). Alone, this process knows that nothing it finds
  // Processing has a call in flight, so it asks at once.
  if (settings_.severalInstances) return;
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

void PaymentProcessor::forgetCardAfterCommit(Tx& tx, const std::string& token) {
  if (token.empty()) return;
  tx.afterCommit([this, token] { vault_.erase(token); });
}

void PaymentProcessor::countAfterCommit(Tx& tx, const char* name, Labels labels) {
  tx.afterCommit([this, name, labels = std::move(labels)] { metrics_.increment(name, labels); });
}

void PaymentProcessor::handle(const messages::ChargePayment& command, const Envelope& envelope, Tx& tx) {
  const auto& token = command.paymentMethod.cardToken;
  if (auto existing = store::findByOrder(tx.sql(), command.orderId)) {
    // One payment per order: a repeated command is answered again. Its card, unless the payment
    // still needs that very token for a charge to come, leaves the vault.
    if (token && *token != existing->cardToken) forgetCardAfterCommit(tx, *token);
    replayCharge(tx, *existing);
    return;
  }
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
  p.cardToken = token.value_or("");
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
  const std::string card = p.cardToken;
  if (p.amount.amount <= 0 || p.amount.currency.size() != 3) {
    forgetCardAfterCommit(tx, card);
    fail(tx, p, "invalid-amount", "The amount to charge must be positive with an ISO 4217 currency.");
  } else if (assessment.refused) {
    forgetCardAfterCommit(tx, card);
    countAfterCommit(tx, kFraud);
    fail(tx, p, "fraud-suspected",
         "The payment was refused as suspected fraud (score " + std::to_string(assessment.score) + " above " +
             std::to_string(settings_.fraud.threshold) + "). " + assessment.detail());
  } else if (!gatewayOf(p.gateway)) {
    forgetCardAfterCommit(tx, card);
    fail(tx, p, "unsupported-method", "No gateway serves payment method " + p.method + ".");
  } else {
    tx.afterCommit([this] { worker_.wake(); });
  }
}

void PaymentProcessor::voidPlaceholder(Tx& tx, const std::string& orderId, const std::string& reason,
                                       const std::string& correlationId) {
  // The charge never arrived (or comes later): the order is recorded as voided so that a late
  // ChargePayment finds it and charges nothing. No route shows this row (kNoMethod).
  const auto now = clock_.nowMillis();
  Payment p;
  p.paymentId = newUuid();
  p.orderId = orderId;
  p.status = status::kFailed;
  p.method = kNoMethod;
  p.gateway = "none";
  p.voidReason = reason;
  p.correlationId = correlationId;
  p.createdAt = now;
  p.updatedAt = now;
  p.processedAt = now;
  p.failureReason = "voided";
  p.failureDetail = voidedDetail(reason);
  store::insertPayment(tx, p);
  tx.publish(replies::failed(p), p.correlationId);
}

void PaymentProcessor::handle(const messages::VoidPayment& command, const Envelope& envelope, Tx& tx) {
  auto found = store::findByOrder(tx.sql(), command.orderId);
  if (!found) {
    voidPlaceholder(tx, command.orderId, command.reason, envelope.correlationId);
    return;
  }
  Payment p = *found;
  if (p.status == status::kPending) {
    p.voidReason = command.reason;
    forgetCardAfterCommit(tx, p.cardToken);
    fail(tx, p, "voided", voidedDetail(command.reason));
  } else if (p.status == status::kProcessing) {
    // A gateway call may be under way: its outcome decides (a charge that completes is refunded
    // in full; PaymentFailed voided otherwise). A repeated void waits for the same outcome.
    if (!p.voidReason.empty()) return;
    p.voidReason = command.reason;
    p.updatedAt = clock_.nowMillis();
    store::updatePayment(tx, p);
  } else if (p.status == status::kFailed) {
    tx.publish(replies::failed(p), p.correlationId);
  } else {
    voidCaptured(tx, p, command.reason);
  }
}

// A void of a payment that was charged (captured, refunded or charged back since).
void PaymentProcessor::voidCaptured(Tx& tx, const Payment& p, const std::string& reason) {
  const auto refundId = replies::voidRefundIdOf(p);
  if (auto made = store::findRefund(tx.sql(), refundId)) {
    replayRefund(tx, p, *made);  // voided before: the same answer again
    return;
  }
  auto refunds = store::refundsOf(tx.sql(), p.paymentId);
  RefundPlan plan{remainingAmount(p, refunds), {}};
  if (p.captured() && plan.amount > 0) {
    requestRefund(tx, p, plan, reason, "system", refund_origin::kVoid, refundId);
  } else {
    tx.publish(replies::nothingLeft(p, refunds, refundId, reason), p.correlationId);
  }
}

void PaymentProcessor::handle(const messages::RefundPayment& command, const Envelope& envelope, Tx& tx) {
  if (auto made = store::findRefund(tx.sql(), command.refundId)) {  // a repeat: idempotent by refund id
    if (auto p = store::findPayment(tx.sql(), made->paymentId)) replayRefund(tx, *p, *made);
    return;
  }
  auto found = store::findByOrder(tx.sql(), command.orderId);
  if (!found) {
    log_.warn("RefundPayment for an order without a payment: recorded as voided", {{"orderId", command.orderId}});
    voidPlaceholder(tx, command.orderId, command.reason, envelope.correlationId);
    return;
  }
  Payment p = *found;
  if (p.status == status::kPending) {
    p.voidReason = command.reason;
    forgetCardAfterCommit(tx, p.cardToken);
    fail(tx, p, "voided", "The order was cancelled (" + command.reason + ") before it was charged.");
  } else if (p.status == status::kProcessing) {
    // The outcome decides; a charge that completes is refunded under the first refund id noted.
    if (!p.voidReason.empty()) return;
    p.voidReason = command.reason;
    p.voidRefundId = command.refundId;
    p.updatedAt = clock_.nowMillis();
    store::updatePayment(tx, p);
  } else if (p.status == status::kFailed) {
    tx.publish(replies::failed(p), p.correlationId);
  } else {
    auto refunds = store::refundsOf(tx.sql(), p.paymentId);
    RefundPlan plan{remainingAmount(p, refunds), remainingSeats(p, refunds)};
    if (p.captured() && plan.amount > 0) {
      requestRefund(tx, p, plan, command.reason, "system", refund_origin::kCommand, command.refundId);
    } else {
      tx.publish(replies::nothingLeft(p, refunds, command.refundId, command.reason), p.correlationId);
    }
  }
}

void PaymentProcessor::replayCharge(Tx& tx, const Payment& p) {
  if (p.status == status::kPending || p.status == status::kProcessing) return;  // the answer is still to come
  if (p.status == status::kFailed) {
    tx.publish(replies::failed(p), p.correlationId);
    return;
  }
  if (p.voidReason.empty()) {
    tx.publish(replies::completed(p), p.correlationId);
    return;
  }
  // Voided while the charge was under way: it was answered by its refund, not PaymentCompleted.
  if (auto refund = store::findRefund(tx.sql(), replies::voidRefundIdOf(p))) replayRefund(tx, p, *refund);
}

void PaymentProcessor::replayRefund(Tx& tx, const Payment& p, const Refund& r) {
  if (r.status == refund_status::kPending) return;  // the answer is still to come
  auto all = store::refundsOf(tx.sql(), p.paymentId);
  if (r.status == refund_status::kCompleted) {
    tx.publish(replies::refunded(p, r, all), p.correlationId);
    return;
  }
  if (r.origin == refund_origin::kAdmin) return;  // nobody waits for an answer
  // Failed (the gateway knows no charge) or Cancelled (a chargeback took the money back): not
  // charged any more. A void of a charge the saga never heard completed says PaymentFailed.
  if (r.origin == refund_origin::kVoid && !p.voidReason.empty()) {
    Payment notCharged = p;
    notCharged.failureReason = "voided";
    notCharged.failureDetail = "The order was voided (" + p.voidReason + "); nothing stays charged.";
    tx.publish(replies::failed(notCharged), p.correlationId);
    return;
  }
  tx.publish(replies::nothingLeft(p, all, r.refundId, r.reason), p.correlationId);
}

Refund PaymentProcessor::requestRefund(Tx& tx, const Payment& payment, const RefundPlan& plan,
                                       const std::string& reason, const std::string& requestedBy,
                                       const std::string& origin, const std::optional<std::string>& refundId) {
  Refund r;
  r.refundId = refundId.value_or(newUuid());
  r.paymentId = payment.paymentId;
  r.amount = Money{plan.amount, payment.amount.currency};
  r.seats = plan.seats;
  r.reason = reason;
  r.status = refund_status::kPending;
  r.origin = origin;
  r.requestedBy = requestedBy;
  // Every message about the payment carries the order's correlation id, whoever asked.
  r.correlationId = payment.correlationId;
  r.createdAt = clock_.nowMillis();
  r.nextAttemptAt = r.createdAt;
  store::insertRefund(tx, r);
  tx.afterCommit([this] { worker_.wake(); });
  return r;
}

bool PaymentProcessor::chargeBack(Tx& tx, Payment p, const std::string& gateway, const std::string& reason,
                                  const std::string& gatewayEventId, const std::string& causationId) {
  if (p.gateway != gateway || !p.captured()) return false;
  const auto now = clock_.nowMillis();
  auto refunds = store::refundsOf(tx.sql(), p.paymentId);
  // The bank took back everything not refunded yet: a refund still Pending is never made.
  std::vector<Refund> cancelled;
  for (auto& r : refunds) {
    if (r.status != refund_status::kPending) continue;
    r.status = refund_status::kCancelled;
    r.failureReason = "charged-back";
    store::updateRefund(tx, r);
    cancelled.push_back(r);
  }
  p.status = status::kChargedBack;
  p.chargedBackAmount = p.amount.amount - replies::refundedTotal(refunds);
  p.chargedBackAt = now;
  p.updatedAt = now;
  store::updatePayment(tx, p);
  countAfterCommit(tx, kChargebacks, {{"gateway", gateway}});
  tx.publish(messages::PaymentChargedBack{.paymentId = p.paymentId,
                                          .orderId = p.orderId,
                                          .userId = p.userId,
                                          .eventId = p.eventId,
                                          .amount = Money{p.chargedBackAmount, p.amount.currency},
                                          .reason = reason,
                                          .gatewayEventId = gatewayEventId},
             p.correlationId, causationId);
  for (const auto& r : cancelled) replayRefund(tx, p, r);  // the commands waiting are answered
  return true;
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
  countAfterCommit(tx, kCharges, {{"gateway", p.gateway}, {"result", "succeeded"}});
  if (!p.voidReason.empty()) {
    // Voided while the charge was under way: the charge stands at the gateway, so it is refunded
    // in full; the saga hears PaymentRefunded, not PaymentCompleted.
    const auto* origin = p.voidRefundId.empty() ? refund_origin::kVoid : refund_origin::kCommand;
    requestRefund(tx, p, RefundPlan{p.amount.amount, {}}, p.voidReason, "system", origin, replies::voidRefundIdOf(p));
    return;
  }
  tx.publish(replies::completed(p), p.correlationId);
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
  countAfterCommit(tx, kCharges,
                   {{"gateway", p.gateway},
                    {"result", reason == "card-declined" || reason == "insufficient-funds" ? "declined" : "failed"}});
  tx.publish(replies::failed(p), p.correlationId);
}

void PaymentProcessor::retryLater(Tx& tx, Payment& p, const std::string& why) {
  const auto now = clock_.nowMillis();
  if (!p.voidReason.empty()) {
    forgetCardAfterCommit(tx, p.cardToken);
    fail(tx, p, "voided", voidedDetail(p.voidReason));
    return;
  }
  if (p.attempts >= settings_.maxAttempts) {
    forgetCardAfterCommit(tx, p.cardToken);
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
  const bool afterChargeback = r.status == refund_status::kCancelled;
  r.status = refund_status::kCompleted;
  r.completedAt = now;
  r.failureReason.clear();
  store::updateRefund(tx, r);
  auto p = store::findPayment(tx.sql(), r.paymentId);
  if (!p) return;
  auto all = store::refundsOf(tx.sql(), p->paymentId);
  countAfterCommit(tx, kRefunds, {{"gateway", p->gateway}});
  if (afterChargeback) {
    // The refund was at the gateway when the chargeback came and went through: the bank took
    // back only what was left. Its command was answered at the chargeback already.
    log_.warn("a refund completed after its payment's chargeback", {{"refundId", r.refundId}});
    p->chargedBackAmount = std::max<std::int64_t>(0, p->chargedBackAmount - r.amount.amount);
    p->updatedAt = now;
    store::updatePayment(tx, *p);
    return;
  }
  if (p->status != status::kChargedBack) {
    p->status = replies::refundedTotal(all) >= p->amount.amount ? status::kRefunded : status::kPartiallyRefunded;
    p->updatedAt = now;
    store::updatePayment(tx, *p);
  }
  tx.publish(replies::refunded(*p, r, all), p->correlationId);
}

// ---- the worker ----------------------------------------------------------------------------

std::optional<std::chrono::milliseconds> PaymentProcessor::step() {
  applyOutcomes();
  startDueCalls();
  vault_.prune();  // expired cards are wiped even when no card payment comes along
  auto [next, stuck] = store_.read([&](soci::session& sql) {
    return std::pair(store::nextDue(sql), store::stuckRefunds(sql, settings_.maxAttempts));
  });
  metrics_.set(kInFlight, {}, static_cast<double>(inFlight()));
  metrics_.set(kStuck, {}, static_cast<double>(stuck));
  if (!next) {
    if (vault_.size() == 0) return std::nullopt;
    return std::chrono::milliseconds(kVaultTickMs);
  }
  auto wait = *next - clock_.nowMillis();
  // Due rows still waiting are those whose call is in flight: their answer wakes the worker.
  return std::chrono::milliseconds(std::clamp<std::int64_t>(wait, 50, kVaultTickMs));
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
      // Cards leave the vault only once the outcome that ends their use is durable.
      tx.afterCommit([this, &forget] {
        for (const auto& token : forget) vault_.erase(token);
      });
    });
  } catch (const std::exception& e) {
    // Nothing recorded: the calls count as not in flight, so each payment is asked about again.
    log_.error("recording gateway answers failed", {{"error", errorText(e)}});
  }
  std::lock_guard lock(mutex_);
  for (const auto& outcome : batch) inFlight_.erase(outcome.id);
}

void PaymentProcessor::applyRefund(Tx& tx, const Outcome& outcome) {
  const auto now = clock_.nowMillis();
  const auto& a = outcome.answer;
  store::lockRefund(tx, outcome.id);
  auto r = store::findRefund(tx.sql(), outcome.id);
  if (!r) return;
  if (r->status == refund_status::kCancelled) {
    // A chargeback cancelled it while the call was under way: only a refund made counts.
    if (a.result == GatewayResult::Succeeded) refundCompleted(tx, *r);
    return;
  }
  if (r->status != refund_status::kPending) return;
  if (a.result == GatewayResult::Succeeded) {
    refundCompleted(tx, *r);
    return;
  }
  if (a.result == GatewayResult::Declined && a.declineReason == "no-such-charge") {
    // Nothing was charged under the payment's key: there is nothing to give back. The command
    // that asked is answered "not charged".
    r->status = refund_status::kFailed;
    r->failureReason = a.declineReason;
    store::updateRefund(tx, *r);
    log_.error("refund of a charge the gateway does not know", {{"refundId", r->refundId}});
    if (auto p = store::findPayment(tx.sql(), r->paymentId)) replayRefund(tx, *p, *r);
    return;
  }
  // Declined for another reason, a transient error or a timeout: the money is owed to the buyer,
  // so the refund is tried again (idempotent at the gateway by its id), for ever, backing off.
  r->attempts += 1;
  r->nextAttemptAt = now + backoffMs(r->attempts);
  r->failureReason = a.result == GatewayResult::Declined ? a.declineReason : std::string(to_string(a.result));
  store::updateRefund(tx, *r);
  boost::json::object fields{{"refundId", r->refundId},
                             {"attempts", r->attempts},
                             {"result", std::string(to_string(a.result))},
                             {"detail", a.detail}};
  if (r->attempts >= settings_.maxAttempts) {
    log_.error("refund still failing: retried at the capped interval", fields);
  } else {
    log_.warn("refund failed: retried with backoff", fields);
  }
}

void PaymentProcessor::apply(Tx& tx, const Outcome& outcome, std::vector<std::string>& forget) {
  if (outcome.call == Call::Refund) {
    applyRefund(tx, outcome);
    return;
  }
  const auto now = clock_.nowMillis();
  const auto& a = outcome.answer;
  store::lockPayment(tx, outcome.id);  // two instances' answers (a charge's, a status query's) apply once
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
      if (p.voidReason.empty()) {
        fail(tx, p, a.declineReason, a.detail);
      } else {
        fail(tx, p, "voided", "The order was voided (" + p.voidReason + "); the charge was declined.");
      }
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

// Moves due payments to Processing (durable before any call) and says which call each needs.
std::vector<std::pair<PaymentProcessor::Call, Payment>> PaymentProcessor::claimDuePayments(std::int64_t now, int room) {
  auto due = store_.read(
      [&](soci::session& sql) { return store::duePayments(sql, now, room + static_cast<int>(inFlight())); });
  std::vector<std::pair<Call, Payment>> calls;
  if (due.empty()) return calls;
  store_.write([&](Tx& tx) {
    calls.clear();
    for (auto& candidate : due) {
      {
        std::lock_guard lock(mutex_);
        if (inFlight_.contains(candidate.paymentId)) continue;
      }
      if (static_cast<int>(calls.size()) >= room) break;
      // Locked, then read again: another instance may have claimed it since the read above.
      store::lockPayment(tx, candidate.paymentId);
      auto fresh = store::findPayment(tx.sql(), candidate.paymentId);
      if (!fresh || fresh->nextAttemptAt > now) continue;
      Payment p = *fresh;
      if (p.status == status::kProcessing) {
        p.nextAttemptAt = now + settings_.answerGraceMs;
        store::updatePayment(tx, p);
        calls.emplace_back(Call::Status, p);  // outcome unknown: ask before anything else
        continue;
      }
      if (p.status != status::kPending) continue;
      if (!p.voidReason.empty()) {
        forgetCardAfterCommit(tx, p.cardToken);
        fail(tx, p, "voided", voidedDetail(p.voidReason));
        continue;
      }
      if (p.method == "CreditCard" && !vault_.find(p.cardToken)) {
        // The vault is in memory: with several instances the card is in the vault of the one that
        // took the order, whose worker finds the payment on its next round (at most
        // kVaultTickMs). Only a payment nobody took for answerGraceMs has really lost its card.
        if (settings_.severalInstances && now - p.createdAt < settings_.answerGraceMs) continue;
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
  return calls;
}

void PaymentProcessor::startDueCalls() {
  const auto now = clock_.nowMillis();
  int room = settings_.maxInFlight - static_cast<int>(inFlight());
  if (room <= 0) return;
  auto calls = claimDuePayments(now, room);
  for (auto& [call, p] : calls) {
    auto* gateway = gatewayOf(p.gateway);
    if (!gateway) continue;
    {
      std::lock_guard lock(mutex_);
      inFlight_.insert(p.paymentId);
    }
    auto done = [this, call = call, id = p.paymentId, name = p.gateway](GatewayAnswer answer) {
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
  startRefunds(now, room - static_cast<int>(calls.size()));
}

void PaymentProcessor::startRefunds(std::int64_t now, int room) {
  if (room <= 0) return;
  auto refunds = store_.read([&](soci::session& sql) { return store::dueRefunds(sql, now, room); });
  for (auto& r : refunds) {
    {
      std::lock_guard lock(mutex_);
      if (inFlight_.contains(r.refundId)) continue;
    }
    auto p = store_.read([&](soci::session& sql) { return store::findPayment(sql, r.paymentId); });
    if (p && p->status == status::kChargedBack) {
      // Defensive: the chargeback cancels Pending refunds; one found now is cancelled, not sent.
      store_.write([&](Tx& tx) {
        auto fresh = store::findRefund(tx.sql(), r.refundId);
        if (!fresh || fresh->status != refund_status::kPending) return;
        fresh->status = refund_status::kCancelled;
        fresh->failureReason = "charged-back";
        store::updateRefund(tx, *fresh);
        replayRefund(tx, *p, *fresh);
      });
      continue;
    }
    PaymentGateway* gateway = p ? gatewayOf(p->gateway) : nullptr;
    if (!gateway) continue;
    // Claimed before the call (committed): another instance reading the same due refund does
    // not call too; an answer that never comes is retried once answerGraceMs have passed.
    if (!store_.write([&](Tx& tx) { return store::claimRefund(tx, r.refundId, now, now + settings_.answerGraceMs); }))
      continue;
    {
      std::lock_guard lock(mutex_);
      inFlight_.insert(r.refundId);
    }
    gateway->refund(RefundRequest{r.refundId, r.paymentId, r.amount},
                    [this, id = r.refundId, name = p->gateway](GatewayAnswer answer) {
                      onAnswer(Call::Refund, id, name, std::move(answer));
                    });
  }
}

}  // namespace boxoffice::payments
