// Two instances' payment processors on one PostgreSQL database (docs/architecture.md#more-than-
// one-instance): each payment is charged once, by whichever instance claims it, and a card
// payment is left to the instance whose in-memory vault holds the card instead of being failed
// by the other. Skipped without BX_PG_ADMIN_URL (scripts/test-scaleout.sh runs it).
#include <barrier>
#include <doctest/doctest.h>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/time.hpp"
#include "kernel/kernel_test_support.hpp"
#include "kernel/postgres_scratch.hpp"
#include "processor.hpp"
#include "simulated_gateway.hpp"
#include "support/eventually.hpp"

using namespace boxoffice;
using namespace boxoffice::payments;
using boxoffice::test_support::eventually;

namespace {

ProcessorSettings severalInstances() {
  ProcessorSettings settings;
  settings.severalInstances = true;  // what the module sets with cluster.advertiseUrl on PostgreSQL
  return settings;
}

// One instance: its store of the shared schema, its simulated remote side, vault and processor.
struct Instance {
  Instance(const std::string& url, const std::string& name, const Clock& clock, const test::CapturedLog& log)
      : log_(log.logger(name)) {
    Database::Options options;
    options.module = "payments";
    options.postgres = Database::Postgres{.connection = url, .schema = "public"};
    store = std::make_unique<Database>(options, log_);
    if (name == "a") store->migrate(embeddedMigrations());
    vault = std::make_unique<CardVault>(clock, 100, std::chrono::minutes(30));
    remote = std::make_unique<SimulatedRemote>(*store, clock, log_);
    stripe = std::make_unique<SimulatedGateway>("stripe", GatewaySettings{}, *remote);
    paypal = std::make_unique<SimulatedGateway>("paypal", GatewaySettings{}, *remote);
    processor = std::make_unique<PaymentProcessor>(
        *store, clock, log_, metrics, *vault,
        std::map<std::string, PaymentGateway*>{{"stripe", stripe.get()}, {"paypal", paypal.get()}}, severalInstances());
    remote->start();
  }
  ~Instance() {
    remote->stop();
    processor.reset();
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  Logger log_;
  Metrics metrics;
  std::unique_ptr<Database> store;
  std::unique_ptr<CardVault> vault;
  std::unique_ptr<SimulatedRemote> remote;
  std::unique_ptr<SimulatedGateway> stripe;
  std::unique_ptr<SimulatedGateway> paypal;
  std::unique_ptr<PaymentProcessor> processor;
};

messages::ChargePayment chargeCommand(const std::string& orderId, messages::PaymentMethod method) {
  messages::ChargePayment command;
  command.orderId = orderId;
  command.userId = "user-1";
  command.eventId = "event-1";
  command.reservationIds = {"r1"};
  command.items = {{"general", 2, {2500, "EUR"}, {5000, "EUR"}}};
  command.amount = {5000, "EUR"};
  command.paymentMethod = std::move(method);
  command.ipAddress = "203.0.113.9";
  command.userAgent = "test";
  return command;
}

long long count(Database& store, const std::string& sql) {
  return store.read([&](soci::session& s) {
    long long n = 0;
    s << sql, soci::into(n);
    return n;
  });
}

}  // namespace

TEST_CASE("postgresql: two instances' processors charge each payment once, a card waits for its vault's instance") {
  auto admin = test::ScratchDatabase::adminUrl();
  if (!admin) {
    MESSAGE("skipped: BX_PG_ADMIN_URL is not set (scripts/postgres-cluster.sh start gives one)");
    return;
  }
  test::ScratchDatabase database(*admin);
  test::CapturedLog log;
  ManualClock clock{*parseRfc3339("2027-01-15T10:00:00Z")};
  Instance a(database.url(), "a", clock, log);
  Instance b(database.url(), "b", clock, log);

  // Payments recorded through "a" (the instance whose inbox took the commands).
  MethodPreparer cards(clock, *a.vault, SecretString("fingerprint-key-for-tests"));
  auto record = [&](const messages::ChargePayment& command) {
    Envelope envelope;
    envelope.messageId = newUuid();
    envelope.correlationId = "corr-" + command.orderId;
    a.store->write([&](Tx& tx) { a.processor->handle(command, envelope, tx); });
  };
  // Both workers run rounds at the same moments until nothing is left to do.
  std::barrier together(2);
  auto bothStep = [&] {
    std::thread other([&] {
      together.arrive_and_wait();
      b.processor->step();
    });
    together.arrive_and_wait();
    a.processor->step();
    other.join();
  };
  auto settled = [&] {
    return count(*a.store, "SELECT COUNT(*) FROM payments WHERE status IN ('Pending', 'Processing')") == 0 &&
           a.processor->inFlight() == 0 && b.processor->inFlight() == 0;
  };
  // Gateway calls answered (charges, status queries, refunds), over both instances (each counts
  // its own): a payment claimed twice costs a second charge, or a status query about a charge the
  // other instance is making.
  auto calls = [&] {
    double total = 0;
    for (auto* instance : {&a, &b}) {
      std::istringstream lines(instance->metrics.render());
      for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("payments_gateway_latency_seconds_count{")) {
          total += std::stod(line.substr(line.rfind(' ') + 1));
        }
      }
    }
    return static_cast<long long>(total);
  };

  // PayPal payments either instance may make: both claim at once, each payment is charged once.
  constexpr int kEach = 15;
  messages::PaymentMethod paypal;
  paypal.method = "PayPal";
  for (int i = 0; i < kEach; ++i) record(chargeCommand("paypal-" + std::to_string(i), paypal));
  REQUIRE(eventually([&] {
    bothStep();
    return settled();
  }));
  CHECK(calls() == kEach);

  // Card payments whose cards only "a" holds (it took the orders): "b" leaves them alone.
  for (int i = 0; i < kEach; ++i) {
    record(chargeCommand(
        "card-" + std::to_string(i),
        cards.prepare(PaymentInput{"CreditCard", CardInput{"4242 4242 4242 4242", 12, 2031, "918", "Ada"}},
                      "payment")));
  }
  b.processor->step();
  CHECK(count(*a.store, "SELECT COUNT(*) FROM payments WHERE status = 'Pending'") == kEach);
  REQUIRE(eventually([&] {
    bothStep();
    return settled();
  }));

  CHECK(calls() == 2 * kEach);
  CHECK(count(*a.store, "SELECT COUNT(*) FROM payments WHERE status = 'Completed'") == 2 * kEach);
  CHECK(count(*a.store, "SELECT COUNT(*) FROM simulated_gateway_ledger WHERE kind = 'charge'") == 2 * kEach);
  CHECK(count(*a.store, "SELECT COUNT(*) FROM outbox WHERE type = 'PaymentCompleted'") == 2 * kEach);
  CHECK(count(*a.store, "SELECT COUNT(DISTINCT correlation_id) FROM outbox WHERE type = 'PaymentCompleted'") ==
        2 * kEach);
  CHECK(count(*a.store, "SELECT COUNT(*) FROM outbox WHERE type = 'PaymentFailed'") == 0);
}
