// Two instances' timeout sweepers on one PostgreSQL database (docs/architecture.md#more-than-one-
// instance): a saga stuck past the timeout is compensated once, not once per instance. Skipped
// without BX_PG_ADMIN_URL (scripts/test-scaleout.sh runs it against a private cluster).
#include <barrier>
#include <doctest/doctest.h>
#include <map>
#include <memory>
#include <thread>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "kernel/kernel_test_support.hpp"
#include "kernel/postgres_scratch.hpp"
#include "service.hpp"

using namespace boxoffice;
using namespace boxoffice::orders;
namespace inv = boxoffice::inventory::messages;
namespace pay = boxoffice::payments::messages;

namespace {

const std::string kEvent = "0190a0b0-0000-7000-8000-0000000000e1";

class FakeEvents : public events::EventQueries {
 public:
  std::optional<events::EventView> findEvent(const std::string& eventId) const override {
    if (eventId != kEvent) return std::nullopt;
    events::EventView view;
    view.eventId = kEvent;
    view.organizerId = "0190a0b0-0000-7000-8000-0000000000c1";
    return view;
  }
};

std::unique_ptr<Database> storeOf(const std::string& url, const test::CapturedLog& log, const std::string& name) {
  Database::Options options;
  options.module = "orders";
  options.postgres = Database::Postgres{.connection = url, .schema = "public"};
  return std::make_unique<Database>(options, log.logger(name));
}

}  // namespace

TEST_CASE("postgresql: two instances' sweepers compensate each stuck saga once") {
  auto admin = test::ScratchDatabase::adminUrl();
  if (!admin) {
    MESSAGE("skipped: BX_PG_ADMIN_URL is not set (scripts/postgres-cluster.sh start gives one)");
    return;
  }
  test::ScratchDatabase database(*admin);
  test::CapturedLog log;
  ManualClock clock{fromUnixMillis(1'900'000'000'000)};
  FakeEvents events;
  Metrics metricsA;
  Metrics metricsB;
  auto storeA = storeOf(database.url(), log, "a");
  storeA->migrate(embeddedMigrations());
  auto storeB = storeOf(database.url(), log, "b");
  const Settings settings{std::chrono::seconds(60), 100};
  OrdersService a{*storeA, &events, log.logger("a"), metricsA, clock, settings};
  OrdersService b{*storeB, &events, log.logger("b"), metricsB, clock, settings};
  auth::Principal buyer{"0190a0b0-0000-7000-8000-0000000000a1", "b@example.test", {auth::Role::User}};

  // Orders whose charge never gets an answer: each saga waits in its charging step.
  constexpr int kOrders = 30;
  std::vector<std::string> ids;
  for (int i = 0; i < kOrders; ++i) {
    PlaceInput in;
    in.eventId = kEvent;
    in.items = {{"general", 1, {}, 0, 0}};
    pay::PaymentMethod method;
    method.method = "CreditCard";
    method.cardToken = "tok_" + std::to_string(i);
    method.last4 = "4242";
    in.payment = method;
    auto id = a.place(Actor{buyer, "corr-" + std::to_string(i)}, in, {"k" + std::to_string(i), "fp"}).orderId;
    inv::SeatsHeld held;
    held.orderId = id;
    held.eventId = kEvent;
    held.userId = buyer.userId;
    held.holds = {{newUuid(), "general", 1, {2500L, "EUR"}}};
    held.total = {2500L, "EUR"};
    held.expiresAt = "2030-03-17T17:48:20Z";
    storeA->write([&](Tx& tx) { a.onMessage(held, tx); });
    ids.push_back(id);
  }
  clock.advance(std::chrono::seconds(61));

  // Both instances' sweepers run at the same moment over the same stuck sagas.
  std::barrier together(2);
  int sweptA = 0;
  int sweptB = 0;
  std::thread other([&] {
    together.arrive_and_wait();
    sweptB = b.sweep();
  });
  together.arrive_and_wait();
  sweptA = a.sweep();
  other.join();
  CHECK(sweptA + sweptB == kOrders);

  auto perOrder = storeA->read([](soci::session& sql) {
    std::map<std::string, int> voids;
    soci::rowset<soci::row> rows = sql.prepare << "SELECT payload FROM outbox WHERE type = 'VoidPayment'";
    for (const auto& row : rows) {
      auto payload = boost::json::parse(row.get<std::string>(0)).as_object();
      ++voids[std::string(payload.at("orderId").as_string())];
    }
    return voids;
  });
  CHECK(perOrder.size() == kOrders);
  for (const auto& [order, voids] : perOrder) CHECK_MESSAGE(voids == 1, order);
  auto released = storeA->read([](soci::session& sql) {
    long long n = 0;
    sql << "SELECT COUNT(*) FROM outbox WHERE type = 'ReleaseSeats'", soci::into(n);
    return n;
  });
  CHECK(released == kOrders);
  CHECK(a.sweep() + b.sweep() == 0);
}
