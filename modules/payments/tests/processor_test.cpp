// The processor against a real payments.db and the simulated gateways: the charge state machine,
// retries, timeouts, restarts, bank settlement, voids, refunds, the report and the PCI promise.
// Time that decisions depend on is a ManualClock; the gateways answer at 0 ms latency.
#include "processor.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <sstream>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"
#include "simulated_gateway.hpp"
#include "store.hpp"
#include "support/eventually.hpp"
#include "support/temp_database.hpp"

using namespace boxoffice;
using namespace boxoffice::payments;
using boxoffice::test_support::eventually;

namespace {

struct Options {
  GatewaySettings stripe;
  GatewaySettings bank;
  ProcessorSettings processor;
};

messages::ChargePayment chargeCommand(const std::string& orderId, messages::PaymentMethod method,
                                      std::int64_t amount = 5000, const std::string& userId = "user-1") {
  messages::ChargePayment command;
  command.orderId = orderId;
  command.userId = userId;
  command.eventId = "event-1";
  command.reservationIds = {"r1"};
  command.items = {{"general", 2, {amount / 2, "EUR"}, {amount, "EUR"}}};
  command.amount = {amount, "EUR"};
  command.paymentMethod = std::move(method);
  command.ipAddress = "203.0.113.9";
  command.userAgent = "test";
  return command;
}

class Fixture {
 public:
  explicit Fixture(Options options = {}) : options_(options), db_("payments", embeddedMigrations()) { open(); }
  ~Fixture() { close(); }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  Fixture(Fixture&&) = delete;
  Fixture& operator=(Fixture&&) = delete;

  void open() {
    remote_ = std::make_unique<SimulatedRemote>(*db_.db, clock_, db_.log);
    stripe_ = std::make_unique<SimulatedGateway>("stripe", options_.stripe, *remote_);
    paypal_ = std::make_unique<SimulatedGateway>("paypal", GatewaySettings{}, *remote_);
    bank_ = std::make_unique<SimulatedGateway>("bank", options_.bank, *remote_);
    processor_ = std::make_unique<PaymentProcessor>(
        *db_.db, clock_, db_.log, metrics_, *vault_,
        std::map<std::string, PaymentGateway*>{
            {"stripe", stripe_.get()}, {"paypal", paypal_.get()}, {"bank", bank_.get()}},
        options_.processor);
    remote_->start();
  }
  void close() {
    if (remote_) remote_->stop();
    processor_.reset();
    stripe_.reset();
    paypal_.reset();
    bank_.reset();
    remote_.reset();
  }
  // A kill -9: nothing in memory survives (answers in flight, the card vault).
  void crashAndRestart() {
    close();
    vault_ = std::make_unique<CardVault>(clock_, 100, std::chrono::minutes(30));
    open();
    processor_->recover();  // what start() does first
  }

  messages::PaymentMethod cardMethod(const std::string& number, const std::string& cvc = "918") const {
    MethodPreparer methods(clock_, *vault_, SecretString("fingerprint-key-for-tests"));
    return methods.prepare(PaymentInput{"CreditCard", CardInput{number, 12, 2031, cvc, "Ada Lovelace"}}, "payment");
  }

  template <class Command>
  void send(const Command& command) {
    Envelope envelope;
    envelope.messageId = newUuid();
    envelope.correlationId = "corr-" + command.orderId;
    db_.db->write([&](Tx& tx) { processor_->handle(command, envelope, tx); });
  }

  // Runs the worker until `done` holds (answers arrive on the gateways' thread).
  bool runUntil(const std::function<bool()>& done) const {
    return eventually([&] {
      processor_->step();
      return done();
    });
  }
  // Runs the worker until nothing is in flight.
  void settle() const {
    runUntil([&] { return processor_->inFlight() == 0; });
    processor_->step();
  }

  Payment payment(const std::string& orderId) const {
    auto p = db_.db->read([&](soci::session& sql) { return store::findByOrder(sql, orderId); });
    REQUIRE(p);
    return *p;
  }
  std::string statusOf(const std::string& orderId) const { return payment(orderId).status; }
  std::vector<std::string> published(const std::string& orderId) const {
    std::string correlation = "corr-" + orderId;
    return db_.db->read([&](soci::session& sql) {
      std::vector<std::string> out;
      soci::rowset<std::string> rs =
          (sql.prepare << "SELECT type FROM outbox WHERE correlation_id = :c ORDER BY seq", soci::use(correlation));
      for (const auto& type : rs) out.push_back(type);
      return out;
    });
  }
  boost::json::object lastPayload(const std::string& orderId) const {
    return db_.db->read([&](soci::session& sql) {
      // A named string: SOCI runs the statement when the expression ends, after a temporary
      // passed to use() would already be gone (ASan: stack-use-after-scope).
      std::string correlation = "corr-" + orderId;
      std::string payload;
      sql << "SELECT payload FROM outbox WHERE correlation_id = :c ORDER BY seq DESC LIMIT 1", soci::use(correlation),
          soci::into(payload);
      return boost::json::parse(payload).as_object();
    });
  }
  int ledgerRows(const std::string& key) const {
    return db_.db->read([&](soci::session& sql) {
      int n = 0;
      sql << "SELECT COUNT(*) FROM simulated_gateway_ledger WHERE idempotency_key = :k", soci::use(key), soci::into(n);
      return n;
    });
  }

  ManualClock clock_{*parseRfc3339("2027-01-15T10:00:00Z")};
  Metrics metrics_;
  Options options_;
  test_support::TempDatabase db_;
  std::unique_ptr<CardVault> vault_ = std::make_unique<CardVault>(clock_, 100, std::chrono::minutes(30));
  std::unique_ptr<SimulatedRemote> remote_;
  std::unique_ptr<SimulatedGateway> stripe_;
  std::unique_ptr<SimulatedGateway> paypal_;
  std::unique_ptr<SimulatedGateway> bank_;
  std::unique_ptr<PaymentProcessor> processor_;
};

}  // namespace

TEST_CASE(
    "4242 is charged once: Completed, PaymentCompleted, one ledger row, and a redelivered command is answered again") {
  Fixture f;
  auto command = chargeCommand("order-1", f.cardMethod("4242 4242 4242 4242"));
  f.send(command);
  CHECK(f.statusOf("order-1") == "Pending");
  f.runUntil([&] { return f.statusOf("order-1") == "Completed"; });
  CHECK(f.published("order-1") == std::vector<std::string>{"PaymentCompleted"});
  auto p = f.payment("order-1");
  CHECK(p.gateway == "stripe");
  CHECK(p.gatewayTransactionId.starts_with("ch_"));
  CHECK(p.cardLast4 == "4242");
  CHECK(p.cardToken.empty());
  CHECK(f.ledgerRows(p.paymentId) == 1);
  f.send(command);  // redelivered: answered again, the same reply
  f.settle();
  CHECK(f.published("order-1") == std::vector<std::string>{"PaymentCompleted", "PaymentCompleted"});
  CHECK(f.lastPayload("order-1").at("paymentId").as_string() == p.paymentId);
  CHECK(f.ledgerRows(p.paymentId) == 1);
  CHECK(f.metrics_.render().find("payments_charges_total{gateway=\"stripe\",result=\"succeeded\"} 1") !=
        std::string::npos);
}

TEST_CASE("the declined and insufficient-funds test cards fail with their reasons") {
  Fixture f;
  f.send(chargeCommand("order-d", f.cardMethod("4000 0000 0000 0002")));
  f.send(chargeCommand("order-i", f.cardMethod("4000000000009995")));
  f.runUntil([&] { return f.statusOf("order-d") == "Failed" && f.statusOf("order-i") == "Failed"; });
  CHECK(f.payment("order-d").failureReason == "card-declined");
  CHECK(f.payment("order-i").failureReason == "insufficient-funds");
  CHECK(f.lastPayload("order-d").at("reason") == "card-declined");
  CHECK(f.published("order-i") == std::vector<std::string>{"PaymentFailed"});
}

TEST_CASE("a timeout is followed by a status query, never by a second charge") {
  Options options;
  options.stripe.timeoutMs = 50;
  Fixture f(options);
  f.send(chargeCommand("order-t", f.cardMethod("4000000000000119")));
  f.runUntil([&] { return f.statusOf("order-t") == "Completed"; });
  auto p = f.payment("order-t");
  CHECK(p.attempts == 1);  // one charge call; the status query found it
  CHECK(f.ledgerRows(p.paymentId) == 1);
  CHECK(f.published("order-t") == std::vector<std::string>{"PaymentCompleted"});
}

TEST_CASE("transient failures retry with backoff on the clock, then fail gateway-unavailable") {
  Options options;
  options.stripe.transientFailurePercent = 100;
  options.processor.maxAttempts = 3;
  options.processor.retryBaseMs = 1000;
  Fixture f(options);
  f.send(chargeCommand("order-x", f.cardMethod("4242424242424242")));
  f.runUntil([&] { return f.payment("order-x").attempts == 1 && f.statusOf("order-x") == "Pending"; });
  f.settle();
  CHECK(f.payment("order-x").attempts == 1);  // waiting for the clock
  f.clock_.advance(std::chrono::milliseconds(1000));
  f.runUntil([&] { return f.payment("order-x").attempts == 2 && f.statusOf("order-x") == "Pending"; });
  f.clock_.advance(std::chrono::milliseconds(2000));
  f.runUntil([&] { return f.statusOf("order-x") == "Failed"; });
  CHECK(f.payment("order-x").failureReason == "gateway-unavailable");
  CHECK(f.ledgerRows(f.payment("order-x").paymentId) == 0);
}

TEST_CASE("restart with a Processing payment the gateway charged: the status query completes it, no second charge") {
  Options options;
  options.stripe.timeoutMs = 600'000;  // the answer is lost and nobody times out before the "crash"
  Fixture f(options);
  f.send(chargeCommand("order-r", f.cardMethod("4000000000000119")));
  auto paymentId = f.payment("order-r").paymentId;
  f.processor_->step();
  REQUIRE(eventually([&] { return f.ledgerRows(paymentId) == 1; }));
  CHECK(f.statusOf("order-r") == "Processing");
  f.crashAndRestart();
  f.runUntil([&] { return f.statusOf("order-r") == "Completed"; });
  CHECK(f.ledgerRows(paymentId) == 1);
  CHECK(f.payment("order-r").attempts == 1);
  CHECK(f.published("order-r") == std::vector<std::string>{"PaymentCompleted"});
}

TEST_CASE("restart with a Pending card payment: the card is gone, card-details-lost") {
  Fixture f;
  f.send(chargeCommand("order-l", f.cardMethod("4242424242424242")));
  f.crashAndRestart();
  f.runUntil([&] { return f.statusOf("order-l") == "Failed"; });
  CHECK(f.payment("order-l").failureReason == "card-details-lost");
}

TEST_CASE("a bank transfer stays Processing until its settlement, then completes") {
  Options options;
  options.bank.settlementDelayMs = 60'000;
  Fixture f(options);
  f.send(chargeCommand("order-b", messages::PaymentMethod{"BankTransfer", {}, {}, {}, {}, {}, {}, {}}));
  f.runUntil([&] { return !f.payment("order-b").gatewayTransactionId.empty(); });
  f.settle();
  CHECK(f.statusOf("order-b") == "Processing");
  f.clock_.advance(std::chrono::seconds(61));
  f.runUntil([&] { return f.statusOf("order-b") == "Completed"; });
  CHECK(f.payment("order-b").gatewayTransactionId.starts_with("BT-"));
}

TEST_CASE("VoidPayment: before the charge it is abandoned and after it refunded in full with no seats") {
  Fixture f;
  f.send(chargeCommand("order-v1", f.cardMethod("4242424242424242")));
  f.send(messages::VoidPayment{"order-v1", "seatsUnavailable"});
  CHECK(f.statusOf("order-v1") == "Failed");
  CHECK(f.payment("order-v1").failureReason == "voided");
  CHECK(f.lastPayload("order-v1").at("reason") == "voided");
  f.send(messages::VoidPayment{"order-v1", "seatsUnavailable"});  // redelivered: the same reply again
  CHECK(f.published("order-v1") == std::vector<std::string>{"PaymentFailed", "PaymentFailed"});
  CHECK(f.lastPayload("order-v1").at("reason") == "voided");

  f.send(chargeCommand("order-v2", messages::PaymentMethod{"PayPal", {}, {}, {}, {}, {}, {}, {}}));
  f.runUntil([&] { return f.statusOf("order-v2") == "Completed"; });
  f.send(messages::VoidPayment{"order-v2", "sagaTimedOut"});
  f.runUntil([&] { return f.statusOf("order-v2") == "Refunded"; });
  auto refunded = f.lastPayload("order-v2");
  CHECK(refunded.at("reason") == "sagaTimedOut");
  CHECK(refunded.at("seats").as_array().empty());
  CHECK(refunded.at("full") == true);
  CHECK(f.published("order-v2") == std::vector<std::string>{"PaymentCompleted", "PaymentRefunded"});

  // Voided before any ChargePayment arrived: the late charge finds the order voided.
  f.send(messages::VoidPayment{"order-v3", "sagaTimedOut"});
  auto late = f.cardMethod("4242424242424242");
  CHECK(f.vault_->size() == 1);
  f.send(chargeCommand("order-v3", late));
  f.settle();
  CHECK(f.statusOf("order-v3") == "Failed");
  // The late charge is answered with the void's reply, and its card leaves the vault.
  CHECK(f.published("order-v3") == std::vector<std::string>{"PaymentFailed", "PaymentFailed"});
  CHECK(f.vault_->size() == 0);
}

TEST_CASE("VoidPayment while the charge is under way: the charge that completes is refunded, no PaymentCompleted") {
  Options options;
  options.stripe.timeoutMs = 50;
  Fixture f(options);
  f.send(chargeCommand("order-w", f.cardMethod("4000000000000119")));
  f.processor_->step();
  REQUIRE(f.statusOf("order-w") == "Processing");
  f.send(messages::VoidPayment{"order-w", "seatsUnavailable"});
  f.runUntil([&] { return f.statusOf("order-w") == "Refunded"; });
  CHECK(f.published("order-w") == std::vector<std::string>{"PaymentRefunded"});
}

TEST_CASE("RefundPayment returns what is left with every remaining seat, once per refund id") {
  Fixture f;
  f.send(chargeCommand("order-f", f.cardMethod("4242424242424242"), 6000));
  f.runUntil([&] { return f.statusOf("order-f") == "Completed"; });
  auto p = f.payment("order-f");
  // An Admin's partial refund of one seat first.
  f.db_.db->write([&](Tx& tx) {
    auto plan = planRefund(p, {}, RefundAsk{std::nullopt, std::vector<messages::ReturnedSeats>{{"general", 1}}});
    CHECK(plan.amount == 3000);
    f.processor_->requestRefund(tx, p, plan, "goodwill", "admin");
  });
  f.runUntil([&] { return f.statusOf("order-f") == "PartiallyRefunded"; });
  f.send(messages::RefundPayment{"order-f", "refund-ev-1", "eventCancelled"});
  f.send(messages::RefundPayment{"order-f", "refund-ev-1", "eventCancelled"});
  f.runUntil([&] { return f.statusOf("order-f") == "Refunded"; });
  f.settle();
  auto last = f.lastPayload("order-f");
  CHECK(last.at("refundId") == "refund-ev-1");
  CHECK(last.at("amount").at("amount") == 3000);
  CHECK(last.at("refundedTotal").at("amount") == 6000);
  CHECK(last.at("seats").as_array().size() == 1);
  CHECK(last.at("seats").at(0).at("ticketCount") == 1);
  CHECK(f.published("order-f") == std::vector<std::string>{"PaymentCompleted", "PaymentRefunded", "PaymentRefunded"});
  // The Admin's refund carries the order's correlation id too (published() filters on it); the
  // command repeated once its refund is made is answered again with the same refund.
  f.send(messages::RefundPayment{"order-f", "refund-ev-1", "eventCancelled"});
  CHECK(f.published("order-f") ==
        std::vector<std::string>{"PaymentCompleted", "PaymentRefunded", "PaymentRefunded", "PaymentRefunded"});
  CHECK(f.lastPayload("order-f").at("refundId") == "refund-ev-1");
}

TEST_CASE("refund rules: never more money or seats than left") {
  Payment p;
  p.status = "Completed";
  p.amount = {10000, "EUR"};
  p.items = {{"general", 2, {3000, "EUR"}, {6000, "EUR"}}, {"vip", 1, {4000, "EUR"}, {4000, "EUR"}}};
  auto refund = [](std::int64_t amount, std::vector<messages::ReturnedSeats> seats, const char* status) {
    Refund r;
    r.amount = {amount, "EUR"};
    r.seats = std::move(seats);
    r.status = status;
    return r;
  };
  std::vector<Refund> done{refund(3000, {{"general", 1}}, "Completed")};
  CHECK(remainingAmount(p, done) == 7000);
  auto left = remainingSeats(p, done);
  REQUIRE(left.size() == 2);
  CHECK(left[0].ticketCount == 1);
  auto all = planRefund(p, done, {});
  CHECK(all.amount == 7000);
  CHECK(all.seats.size() == 2);
  CHECK(planRefund(p, done, {1000, std::nullopt}).seats.empty());
  CHECK(planRefund(p, done, {std::nullopt, std::vector<messages::ReturnedSeats>{{"vip", 1}}}).amount == 4000);
  auto slug = [&](const RefundAsk& ask) {
    try {
      planRefund(p, done, ask);
    } catch (const Problem& problem) {
      return problem.slug();
    }
    return std::string("none");
  };
  CHECK(slug({7001, std::nullopt}) == "refund-exceeds-captured");
  CHECK(slug({std::nullopt, std::vector<messages::ReturnedSeats>{{"general", 2}}}) == "refund-exceeds-seats");
  CHECK(slug({std::nullopt, std::vector<messages::ReturnedSeats>{{"balcony", 1}}}) == "validation");
  // A failed refund gives nothing back and takes nothing away.
  done.push_back(refund(7000, {{"vip", 1}}, "Failed"));
  CHECK(remainingAmount(p, done) == 7000);
  p.status = "Failed";
  CHECK(slug({}) == "payment-not-refundable");
}

TEST_CASE("a fraud score above the threshold refuses the charge with a clear detail and the score is stored") {
  Options options;
  options.processor.fraud.threshold = 30;
  options.processor.fraud.userVelocityLimit = 2;
  Fixture f(options);
  f.send(chargeCommand("order-1", messages::PaymentMethod{"PayPal", {}, {}, {}, {}, {}, {}, {}}));
  f.send(chargeCommand("order-2", messages::PaymentMethod{"PayPal", {}, {}, {}, {}, {}, {}, {}}));
  f.send(chargeCommand("order-3", messages::PaymentMethod{"PayPal", {}, {}, {}, {}, {}, {}, {}}));
  auto refused = f.payment("order-3");
  CHECK(refused.status == "Failed");
  CHECK(refused.failureReason == "fraud-suspected");
  CHECK(refused.fraudScore == 35);
  CHECK(refused.failureDetail.find("payments in the last") != std::string::npos);
  CHECK(f.payment("order-1").fraudScore == 0);
  CHECK(f.metrics_.render().find("payments_fraud_refusals_total 1") != std::string::npos);
}

TEST_CASE("the report sums gross, refunded, charged back and net per event and currency") {
  Fixture f;
  f.send(chargeCommand("order-a", messages::PaymentMethod{"PayPal", {}, {}, {}, {}, {}, {}, {}}, 5000));
  f.send(chargeCommand("order-b", messages::PaymentMethod{"PayPal", {}, {}, {}, {}, {}, {}, {}}, 7000, "user-2"));
  f.send(chargeCommand("order-c", messages::PaymentMethod{"PayPal", {}, {}, {}, {}, {}, {}, {}}, 2000, "user-3"));
  f.runUntil([&] {
    return f.statusOf("order-a") == "Completed" && f.statusOf("order-b") == "Completed" &&
           f.statusOf("order-c") == "Completed";
  });
  f.send(messages::RefundPayment{"order-b", "rb", "orderCancelled"});
  f.runUntil([&] { return f.statusOf("order-b") == "Refunded"; });
  f.db_.db->write([&](Tx& tx) {
    tx.exec(
        "UPDATE payments SET status = 'ChargedBack', charged_back_amount = amount, charged_back_at = ?1 WHERE "
        "order_id = 'order-c'",
        f.clock_.nowMillis());
  });
  auto lines =
      f.db_.db->read([](soci::session& sql) { return store::report(sql, std::string("event-1"), 0, INT64_MAX); });
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].gross == 14000);
  CHECK(lines[0].refunded == 7000);
  CHECK(lines[0].chargedBack == 2000);
  CHECK(lines[0].net() == 5000);
}

TEST_CASE("PCI: after card payments neither the number nor the CVC is in any log line or any byte of the store") {
  Fixture f;
  int n = 0;
  for (const char* number : {"4242 4242 4242 4242", "4000000000000002", "4000000000009995"}) {
    f.send(chargeCommand("order-p" + std::to_string(++n), f.cardMethod(number, "918")));
  }
  f.runUntil([&] { return f.statusOf("order-p1") == "Completed" && f.statusOf("order-p3") == "Failed"; });
  f.settle();
  auto logs = f.db_.logs();
  std::string bytes;
  for (const auto& entry : std::filesystem::directory_iterator(f.db_.dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    bytes += text.str();
  }
  CHECK(bytes.size() > 10000);
  for (const char* secret :
       {"4242424242424242", "4242 4242 4242 4242", "4000000000000002", "4000000000009995", "\"918\"", "cvc"}) {
    CHECK_MESSAGE(bytes.find(secret) == std::string::npos, secret);
    CHECK_MESSAGE(logs.find(secret) == std::string::npos, secret);
  }
}

TEST_CASE("400 charges at 200 ms gateway latency are in flight together and hold no thread") {
  Options options;
  options.processor.fraud.threshold = 100;
  Fixture f(options);
  f.paypal_ = std::make_unique<SimulatedGateway>("paypal", GatewaySettings{200, 0, 10'000, 0}, *f.remote_);
  f.processor_ = std::make_unique<PaymentProcessor>(*f.db_.db, f.clock_, f.db_.log, f.metrics_, *f.vault_,
                                                    std::map<std::string, PaymentGateway*>{{"paypal", f.paypal_.get()}},
                                                    options.processor);
  f.db_.db->write([&](Tx& tx) {
    for (int i = 0; i < 400; ++i) {
      Envelope envelope;
      envelope.correlationId = "bulk";
      f.processor_->handle(
          chargeCommand("bulk-" + std::to_string(i), messages::PaymentMethod{"PayPal", {}, {}, {}, {}, {}, {}, {}},
                        5000, "user-" + std::to_string(i)),
          envelope, tx);
    }
  });
  auto started = std::chrono::steady_clock::now();
  f.processor_->step();
  CHECK(f.processor_->inFlight() == 400);
  auto completed = [&] {
    return f.db_.db->read([](soci::session& sql) {
      int n = 0;
      sql << "SELECT COUNT(*) FROM payments WHERE status = 'Completed'", soci::into(n);
      return n;
    });
  };
  REQUIRE(f.runUntil([&] { return completed() == 400; }));
  // Serially this would take 80 s; concurrently about one latency.
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}

namespace {

// PayPal, whose refunds are declined `failures` times first (a bank that keeps saying no), or
// always answered "no such charge".
class RefundTrouble final : public PaymentGateway {
 public:
  RefundTrouble(PaymentGateway& inner, int failures, bool noSuchCharge = false)
      : inner_(inner), failures_(failures), noSuchCharge_(noSuchCharge) {}
  const std::string& name() const override { return inner_.name(); }
  void charge(ChargeRequest request, GatewayCallback done) override {
    inner_.charge(std::move(request), std::move(done));
  }
  void status(std::string key, GatewayCallback done) override { inner_.status(std::move(key), std::move(done)); }
  void refund(RefundRequest request, GatewayCallback done) override {
    ++calls;
    if (noSuchCharge_) {
      done(GatewayAnswer{GatewayResult::Declined, {}, "no-such-charge", "There is no settled charge to refund."});
    } else if (failures_ > 0) {
      --failures_;
      done(GatewayAnswer{GatewayResult::Declined, {}, "processing-error", "The refund was refused."});
    } else {
      inner_.refund(std::move(request), std::move(done));
    }
  }
  std::atomic<int> calls{0};

 private:
  PaymentGateway& inner_;
  std::atomic<int> failures_;
  bool noSuchCharge_;
};

void useGateway(Fixture& f, PaymentGateway& paypal, const ProcessorSettings& settings) {
  f.processor_ = std::make_unique<PaymentProcessor>(
      *f.db_.db, f.clock_, f.db_.log, f.metrics_, *f.vault_,
      std::map<std::string, PaymentGateway*>{{"paypal", &paypal}, {"stripe", f.stripe_.get()}}, settings);
}

messages::PaymentMethod payPal() { return messages::PaymentMethod{"PayPal", {}, {}, {}, {}, {}, {}, {}}; }

Refund onlyRefund(const Fixture& f, const std::string& orderId) {
  auto refunds =
      f.db_.db->read([&](soci::session& sql) { return store::refundsOf(sql, f.payment(orderId).paymentId); });
  REQUIRE(refunds.size() == 1);
  return refunds.front();
}

}  // namespace

TEST_CASE("a refund the gateway declines is retried with backoff on the clock, counted stuck, and finally made") {
  Options options;
  options.processor.maxAttempts = 2;
  options.processor.retryBaseMs = 1000;
  options.processor.retryMaxMs = 4000;
  Fixture f(options);
  RefundTrouble paypal(*f.paypal_, 4);
  useGateway(f, paypal, options.processor);
  f.send(chargeCommand("order-rd", payPal()));
  f.runUntil([&] { return f.statusOf("order-rd") == "Completed"; });
  f.send(messages::RefundPayment{"order-rd", "refund-rd", "eventCancelled"});
  f.runUntil([&] { return onlyRefund(f, "order-rd").attempts == 1; });
  f.settle();
  auto r = onlyRefund(f, "order-rd");
  CHECK(r.status == "Pending");
  CHECK(r.failureReason == "processing-error");
  CHECK(paypal.calls == 1);                   // waiting for the clock
  std::int64_t waits[] = {1000, 2000, 4000};  // capped at retryMaxMs
  for (int i = 0; i < 3; ++i) {
    f.clock_.advance(std::chrono::milliseconds(waits[i]));
    f.runUntil([&] { return onlyRefund(f, "order-rd").attempts == i + 2; });
    f.settle();
  }
  CHECK(f.metrics_.render().find("payments_refunds_stuck 1") != std::string::npos);
  CHECK(f.db_.logs().find("refund still failing") != std::string::npos);
  CHECK(f.published("order-rd") == std::vector<std::string>{"PaymentCompleted"});  // nothing given up silently
  f.clock_.advance(std::chrono::milliseconds(4000));                               // the capped interval
  f.runUntil([&] { return f.statusOf("order-rd") == "Refunded"; });
  f.settle();
  CHECK(paypal.calls == 5);
  CHECK(f.published("order-rd") == std::vector<std::string>{"PaymentCompleted", "PaymentRefunded"});
  CHECK(f.lastPayload("order-rd").at("refundId") == "refund-rd");
  CHECK(f.metrics_.render().find("payments_refunds_stuck 0") != std::string::npos);
}

TEST_CASE("a refund of a charge the gateway does not know answers 'not charged' to the command that asked") {
  Fixture f;
  RefundTrouble paypal(*f.paypal_, 0, true);
  useGateway(f, paypal, f.options_.processor);
  f.send(chargeCommand("order-ns", payPal()));
  f.runUntil([&] { return f.statusOf("order-ns") == "Completed"; });
  f.send(messages::RefundPayment{"order-ns", "refund-ns", "orderCancelled"});
  f.runUntil([&] { return onlyRefund(f, "order-ns").status == "Failed"; });
  auto reply = f.lastPayload("order-ns");
  CHECK(f.published("order-ns") == std::vector<std::string>{"PaymentCompleted", "PaymentRefunded"});
  CHECK(reply.at("refundId") == "refund-ns");
  CHECK(reply.at("amount").at("amount") == 0);
  CHECK(reply.at("full") == true);
  f.send(messages::RefundPayment{"order-ns", "refund-ns", "orderCancelled"});  // repeated: the same answer
  CHECK(f.published("order-ns").size() == 3);
  CHECK(f.lastPayload("order-ns") == reply);
}

TEST_CASE("VoidPayment of a captured payment: a derived refund id, never empty, and the same reply when repeated") {
  Fixture f;
  f.send(chargeCommand("order-vr", payPal()));
  f.runUntil([&] { return f.statusOf("order-vr") == "Completed"; });
  f.send(messages::VoidPayment{"order-vr", "seatsUnavailable"});
  f.runUntil([&] { return f.statusOf("order-vr") == "Refunded"; });
  f.settle();
  auto first = f.lastPayload("order-vr");
  CHECK(isUuid(first.at("refundId").as_string()));
  f.send(messages::VoidPayment{"order-vr", "seatsUnavailable"});
  CHECK(f.lastPayload("order-vr") == first);
  // Nothing left for a cancellation's refund: amount 0, full, under the command's own id.
  f.send(messages::RefundPayment{"order-vr", "refund-late", "orderCancelled"});
  auto nothing = f.lastPayload("order-vr");
  CHECK(nothing.at("refundId") == "refund-late");
  CHECK(nothing.at("amount").at("amount") == 0);
  CHECK(nothing.at("full") == true);
  CHECK(f.published("order-vr") ==
        std::vector<std::string>{"PaymentCompleted", "PaymentRefunded", "PaymentRefunded", "PaymentRefunded"});
  f.send(chargeCommand("order-vr", payPal()));  // the charge repeated: PaymentCompleted again
  CHECK(f.lastPayload("order-vr").at("gatewayTransactionId").as_string() == f.payment("order-vr").gatewayTransactionId);
}

TEST_CASE("a chargeback cancels a Pending refund: one money movement back, the report nets right") {
  Fixture f;
  f.send(chargeCommand("order-cb", payPal(), 6000));
  f.runUntil([&] { return f.statusOf("order-cb") == "Completed"; });
  f.send(messages::RefundPayment{"order-cb", "refund-cb", "eventCancelled"});  // recorded, not sent yet
  REQUIRE(onlyRefund(f, "order-cb").status == "Pending");
  bool charged = f.db_.db->write(
      [&](Tx& tx) { return f.processor_->chargeBack(tx, f.payment("order-cb"), "paypal", "fraudulent", "evt_1"); });
  CHECK(charged);
  f.settle();
  auto p = f.payment("order-cb");
  CHECK(p.status == "ChargedBack");
  CHECK(p.chargedBackAmount == 6000);
  CHECK(onlyRefund(f, "order-cb").status == "Cancelled");
  CHECK(f.ledgerRows("refund-cb") == 0);  // never sent to the gateway
  // The saga's command is answered: nothing left to refund.
  CHECK(f.published("order-cb") ==
        std::vector<std::string>{"PaymentCompleted", "PaymentChargedBack", "PaymentRefunded"});
  CHECK(f.lastPayload("order-cb").at("amount").at("amount") == 0);
  auto lines =
      f.db_.db->read([](soci::session& sql) { return store::report(sql, std::string("event-1"), 0, INT64_MAX); });
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].gross == 6000);
  CHECK(lines[0].refunded == 0);
  CHECK(lines[0].chargedBack == 6000);
  CHECK(lines[0].net() == 0);
  CHECK(f.metrics_.render().find("payments_chargebacks_total{gateway=\"paypal\"} 1") != std::string::npos);
}

TEST_CASE("expired cards leave the vault without it being full: on put, on find and on the worker's tick") {
  Fixture f;
  auto first = f.cardMethod("4242424242424242");
  f.cardMethod("4242424242424242");
  CHECK(f.vault_->size() == 2);
  f.clock_.advance(std::chrono::minutes(31));     // the fixture's vault keeps cards 30 minutes
  CHECK_FALSE(f.vault_->find(*first.cardToken));  // never an expired card
  CHECK(f.vault_->size() == 0);                   // and find wiped them
  f.cardMethod("4242424242424242");
  f.clock_.advance(std::chrono::minutes(31));
  f.cardMethod("4242424242424242");  // a put wipes the expired one
  CHECK(f.vault_->size() == 1);
  f.clock_.advance(std::chrono::minutes(31));
  f.processor_->step();  // the worker's round, with nothing else to do
  CHECK(f.vault_->size() == 0);
}
