#pragma once
// The simulated gateways (stripe, paypal, bank) behind PaymentGateway. They behave like remote
// services: answers come after a latency (Asio steady timers on one io thread, so hundreds of
// charges in flight hold no thread), a configurable share of calls fails transiently, a call
// that takes longer than timeoutMs is answered Timeout on the caller's side. The "remote side"
// keeps its own durable ledger (table simulated_gateway_ledger in payments.db, written by its own
// thread, never inside the module's transactions) keyed by idempotency key: a charge under a key
// already seen is not made again, and a status query after a kill -9 answers truthfully.
//
// Stripe test cards: 4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined
// (card-declined); 4000 0000 0000 9995 has insufficient funds (insufficient-funds);
// 4000 0000 0000 0119 is charged but the answer never arrives (the caller times out, asks for
// the status and finds the charge). Any other valid number succeeds.
// PayPal always succeeds. Bank transfers are accepted as Pending and settle settlementDelayMs
// later (on the injected clock); a status query after that answers Succeeded.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "gateway.hpp"

namespace boxoffice::payments {

inline constexpr std::string_view kDeclinedCard = "4000000000000002";
inline constexpr std::string_view kInsufficientFundsCard = "4000000000009995";
inline constexpr std::string_view kTimeoutCard = "4000000000000119";

struct GatewaySettings {
  int latencyMs = 0;
  int transientFailurePercent = 0;
  int timeoutMs = 10'000;
  std::int64_t settlementDelayMs = 0;  // bank only
};

struct Pending;  // one call in flight (simulated_gateway.cpp)

// The simulated remote side shared by the three gateways: the io thread with the timers and the
// ledger writer.
class SimulatedRemote {
 public:
  SimulatedRemote(Database& store, const Clock& clock, Logger log);
  ~SimulatedRemote();
  SimulatedRemote(const SimulatedRemote&) = delete;
  SimulatedRemote& operator=(const SimulatedRemote&) = delete;
  void start();
  // Stops the timers and the writer; answers not yet delivered are dropped (the caller's
  // processor asks for the status after its restart).
  void stop();

  enum class Kind { Charge, Status, Refund };
  struct Call {
    Kind kind;
    std::string gateway;
    GatewaySettings settings;
    ChargeRequest charge;   // Charge
    RefundRequest refund;   // Refund
    std::string statusKey;  // Status
    std::shared_ptr<Pending> pending;
  };
  void submit(Call call);

 private:
  std::optional<std::chrono::milliseconds> writeBatch();
  GatewayAnswer decide(Tx& tx, const Call& call);
  void deliverLater(const std::shared_ptr<Pending>& pending, GatewayAnswer answer, int latencyMs);

  Database& store_;
  const Clock& clock_;
  Logger log_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread ioThread_;
  std::mutex mutex_;
  std::deque<Call> queue_;
  bool started_ = false;
  BackgroundWorker writer_;
  friend class SimulatedGateway;
};

class SimulatedGateway final : public PaymentGateway {
 public:
  SimulatedGateway(std::string name, GatewaySettings settings, SimulatedRemote& remote);
  const std::string& name() const override { return name_; }
  void charge(ChargeRequest request, GatewayCallback done) override;
  void status(std::string idempotencyKey, GatewayCallback done) override;
  void refund(RefundRequest request, GatewayCallback done) override;

 private:
  void send(SimulatedRemote::Call call, GatewayCallback done);
  std::string name_;
  GatewaySettings settings_;
  SimulatedRemote& remote_;
};

}  // namespace boxoffice::payments
