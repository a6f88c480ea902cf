#include "simulated_gateway.hpp"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sodium.h>

#include "boxoffice/kernel/error_text.hpp"
#include "boxoffice/kernel/ids.hpp"

namespace boxoffice::payments {

std::string_view to_string(GatewayResult result) {
  switch (result) {
    case GatewayResult::Succeeded:
      return "succeeded";
    case GatewayResult::Declined:
      return "declined";
    case GatewayResult::Pending:
      return "pending";
    case GatewayResult::NotFound:
      return "not-found";
    case GatewayResult::TransientError:
      return "transient-error";
    case GatewayResult::Timeout:
      return "timeout";
  }
  return "unknown";
}

std::string gatewayFor(std::string_view method) {
  if (method == "CreditCard") return "stripe";
  if (method == "PayPal") return "paypal";
  return "bank";
}

// One call in flight: answered once, by the remote's answer or by the caller's timeout,
// whichever comes first.
struct Pending {
  GatewayCallback done;
  std::chrono::steady_clock::time_point sentAt = std::chrono::steady_clock::now();
  std::atomic<bool> answered{false};
  std::unique_ptr<boost::asio::steady_timer> timeout;
  void answer(GatewayAnswer answer) {
    if (answered.exchange(true)) return;
    if (timeout) timeout->cancel();
    answer.latencySeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sentAt).count();
    done(std::move(answer));
  }
};

SimulatedRemote::SimulatedRemote(Database& store, const Clock& clock, Logger log)
    : store_(store),
      clock_(clock),
      log_(std::move(log)),
      work_(boost::asio::make_work_guard(io_)),
      writer_("payments-gateway-sim", clock, log_, [this] { return writeBatch(); }) {}

SimulatedRemote::~SimulatedRemote() { stop(); }

void SimulatedRemote::start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  ioThread_ = std::thread([this] { io_.run(); });
  writer_.start();
}

void SimulatedRemote::stop() {
  writer_.stop();
  work_.reset();
  io_.stop();
  if (ioThread_.joinable()) ioThread_.join();
  std::lock_guard lock(mutex_);
  queue_.clear();
}

void SimulatedRemote::submit(Call call) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(call));
  }
  writer_.wake();
}

void SimulatedRemote::deliverLater(const std::shared_ptr<Pending>& pending, GatewayAnswer answer, int latencyMs) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(latencyMs));
  timer->async_wait([pending, timer, answer = std::move(answer)](const boost::system::error_code& error) mutable {
    if (!error) pending->answer(std::move(answer));
  });
}

std::optional<std::chrono::milliseconds> SimulatedRemote::writeBatch() {
  std::deque<Call> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
  }
  if (batch.empty()) return std::nullopt;
  std::vector<GatewayAnswer> answers;
  answers.reserve(batch.size());
  try {
    store_.write([&](Tx& tx) {
      answers.clear();
      for (const auto& call : batch) answers.push_back(decide(tx, call));
    });
  } catch (const std::exception& e) {
    // The remote "is down" for this batch: every caller sees a transient error and retries.
    log_.warn("simulated gateway ledger write failed", {{"error", errorText(e)}});
    answers.assign(batch.size(), GatewayAnswer{GatewayResult::TransientError, {}, {}, "gateway ledger unavailable"});
  }
  auto answer = answers.begin();
  for (auto& call : batch) {
    auto& current = *answer++;
    bool swallowed = call.kind == Kind::Charge && call.charge.card && call.charge.card->number.reveal() == kTimeoutCard;
    if (swallowed) continue;  // charged, but the answer is lost: only the caller's timeout fires
    boost::asio::post(
        io_, [this, pending = call.pending, answer = std::move(current), latency = call.settings.latencyMs]() mutable {
          deliverLater(pending, std::move(answer), latency);
        });
  }
  return std::nullopt;
}

namespace {

GatewayAnswer fromLedger(const std::string& status, const std::string& declineReason, const std::string& transactionId,
                         std::int64_t settlesAt) {
  GatewayAnswer answer;
  answer.transactionId = transactionId;
  if (status == "Succeeded") {
    answer.result = GatewayResult::Succeeded;
  } else if (status == "Declined") {
    answer.result = GatewayResult::Declined;
    answer.declineReason = declineReason;
    answer.detail = declineReason == "insufficient-funds" ? "The card has insufficient funds."
                                                          : "The card issuer declined the charge.";
  } else {
    answer.result = GatewayResult::Pending;
    answer.settlesAtMs = settlesAt;
  }
  return answer;
}

}  // namespace

GatewayAnswer SimulatedRemote::decide(Tx& tx, const Call& call) {
  const auto now = clock_.nowMillis();
  const std::string key = call.kind == Kind::Charge   ? call.charge.idempotencyKey
                          : call.kind == Kind::Refund ? call.refund.idempotencyKey
                                                      : call.statusKey;
  const std::string kind = call.kind == Kind::Refund ? "refund" : "charge";
  std::string status;
  std::string declineReason;
  std::string transactionId;
  long long settlesAt = 0;
  soci::indicator declineNull = soci::i_ok;
  soci::indicator settlesNull = soci::i_ok;
  tx.sql() << "SELECT status, decline_reason, transaction_id, settles_at FROM simulated_gateway_ledger "
              "WHERE gateway = :g AND idempotency_key = :k AND kind = :kind",
      soci::use(call.gateway), soci::use(key), soci::use(kind), soci::into(status),
      soci::into(declineReason, declineNull), soci::into(transactionId), soci::into(settlesAt, settlesNull);
  bool known = tx.sql().got_data();
  if (declineNull != soci::i_ok) declineReason.clear();
  if (settlesNull != soci::i_ok) settlesAt = 0;
  // A settlement that is due happens when someone looks (the bank's batch run).
  if (known && status == "Settling" && settlesAt <= now) {
    tx.exec("UPDATE simulated_gateway_ledger SET status = 'Succeeded' WHERE gateway = ?1 AND idempotency_key = ?2",
            call.gateway, key);
    status = "Succeeded";
  }
  if (call.kind == Kind::Status) {
    if (!known) return GatewayAnswer{GatewayResult::NotFound, {}, {}, "No charge was made under this key."};
    return fromLedger(status, declineReason, transactionId, settlesAt);
  }
  // A repeated charge or refund under a known key is answered from the ledger, not made again.
  if (known) return fromLedger(status, declineReason, transactionId, settlesAt);
  if (call.settings.transientFailurePercent > 0 &&
      static_cast<int>(randombytes_uniform(100)) < call.settings.transientFailurePercent) {
    return GatewayAnswer{GatewayResult::TransientError, {}, {}, "The gateway is temporarily unavailable."};
  }
  std::string prefix = call.gateway == "stripe" ? "ch_" : call.gateway == "paypal" ? "PAY-" : "BT-";
  transactionId = prefix + randomToken(12);
  std::int64_t amount = call.kind == Kind::Refund ? call.refund.amount.amount : call.charge.amount.amount;
  std::string currency = call.kind == Kind::Refund ? call.refund.amount.currency : call.charge.amount.currency;
  std::optional<std::int64_t> settles;
  if (call.kind == Kind::Refund) {
    std::string chargeStatus;
    tx.sql() << "SELECT status FROM simulated_gateway_ledger WHERE gateway = :g AND idempotency_key = :k AND "
                "kind = 'charge'",
        soci::use(call.gateway), soci::use(call.refund.chargeKey), soci::into(chargeStatus);
    if (!tx.sql().got_data() || chargeStatus != "Succeeded") {
      return GatewayAnswer{GatewayResult::Declined, {}, "no-such-charge", "There is no settled charge to refund."};
    }
    status = "Succeeded";
  } else if (call.gateway == "stripe") {
    const std::string& number = call.charge.card ? call.charge.card->number.reveal() : std::string();
    if (number.empty()) {
      status = "Declined";
      declineReason = "card-details-lost";
    } else if (number == kDeclinedCard) {
      status = "Declined";
      declineReason = "card-declined";
    } else if (number == kInsufficientFundsCard) {
      status = "Declined";
      declineReason = "insufficient-funds";
    } else {
      status = "Succeeded";
    }
  } else if (call.gateway == "bank") {
    status = "Settling";
    settles = now + call.settings.settlementDelayMs;
  } else {
    status = "Succeeded";
  }
  tx.exec(
      "INSERT INTO simulated_gateway_ledger (gateway, idempotency_key, kind, amount, currency, status, decline_reason, "
      "transaction_id, settles_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
      call.gateway, key, kind, amount, currency, status,
      declineReason.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(declineReason)), transactionId,
      settles ? SqlValue(*settles) : SqlValue(nullptr), now);
  return fromLedger(status, declineReason, transactionId, settles.value_or(0));
}

SimulatedGateway::SimulatedGateway(std::string name, GatewaySettings settings, SimulatedRemote& remote)
    : name_(std::move(name)), settings_(settings), remote_(remote) {}

void SimulatedGateway::send(SimulatedRemote::Call call, GatewayCallback done) {
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  pending->timeout =
      std::make_unique<boost::asio::steady_timer>(remote_.io_, std::chrono::milliseconds(settings_.timeoutMs));
  // The handler keeps the call alive until it fires or is cancelled by the answer.
  pending->timeout->async_wait([pending](const boost::system::error_code& error) {
    if (error) return;
    pending->answer(GatewayAnswer{GatewayResult::Timeout, {}, {}, "The gateway did not answer in time."});
  });
  call.gateway = name_;
  call.settings = settings_;
  call.pending = std::move(pending);
  remote_.submit(std::move(call));
}

void SimulatedGateway::charge(ChargeRequest request, GatewayCallback done) {
  SimulatedRemote::Call call{SimulatedRemote::Kind::Charge, {}, {}, std::move(request), {}, {}, {}};
  send(std::move(call), std::move(done));
}

void SimulatedGateway::status(std::string idempotencyKey, GatewayCallback done) {
  SimulatedRemote::Call call{SimulatedRemote::Kind::Status, {}, {}, {}, {}, std::move(idempotencyKey), {}};
  send(std::move(call), std::move(done));
}

void SimulatedGateway::refund(RefundRequest request, GatewayCallback done) {
  SimulatedRemote::Call call{SimulatedRemote::Kind::Refund, {}, {}, {}, std::move(request), {}, {}};
  send(std::move(call), std::move(done));
}

}  // namespace boxoffice::payments
