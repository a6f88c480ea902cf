// The orders use cases and the saga's message handling against a real (temporary) SQLite store:
// outbox rows (the commands), order state, duplicate deliveries, late replies, idempotency keys
// and the timeout sweep on a ManualClock.
#include "service.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "support/temp_database.hpp"

using namespace boxoffice;
using namespace boxoffice::orders;
namespace inv = boxoffice::inventory::messages;
namespace pay = boxoffice::payments::messages;

namespace {

const std::string kEvent = "0190a0b0-0000-7000-8000-0000000000e1";
const std::string kOrganizer = "0190a0b0-0000-7000-8000-0000000000c1";

class FakeEvents : public events::EventQueries {
 public:
  std::optional<events::EventView> findEvent(const std::string& eventId) const override {
    if (eventId != kEvent) return std::nullopt;
    events::EventView view;
    view.eventId = kEvent;
    view.organizerId = kOrganizer;
    return view;
  }
};

struct OutboxRow {
  std::string type, payload, correlation;
  boost::json::object json() const { return boost::json::parse(payload).as_object(); }
};

struct Fixture {
  test_support::TempDatabase temp{"orders", embeddedMigrations()};
  Metrics metrics;
  ManualClock clock{fromUnixMillis(1'900'000'000'000)};
  FakeEvents events;
  OrdersService service{*temp.db, &events, temp.log, metrics, clock, Settings{std::chrono::seconds(60)}};
  auth::Principal buyer{"0190a0b0-0000-7000-8000-0000000000a1", "b@example.test", {auth::Role::User}};
  auth::Principal other{"0190a0b0-0000-7000-8000-0000000000a2", "o@example.test", {auth::Role::User}};
  auth::Principal organizer{kOrganizer, "org@example.test", {auth::Role::Organizer}};
  auth::Principal admin{"0190a0b0-0000-7000-8000-0000000000ad", "a@example.test", {auth::Role::Admin}};

  Actor as(const auth::Principal& p, const std::string& corr = "corr-1") { return {p, corr}; }

  PlaceInput input(int count = 2, bool withPayment = true) {
    PlaceInput in;
    in.eventId = kEvent;
    in.items = {{"general", count, {}, 0, 0}};
    if (withPayment) {
      pay::PaymentMethod m;
      m.method = "CreditCard";
      m.cardToken = "tok_1";
      m.last4 = "4242";
      in.payment = m;
    }
    return in;
  }

  Answer place(const std::string& key = "k1", int count = 2, bool withPayment = true) {
    return service.place(as(buyer), input(count, withPayment), {key, "fp-" + std::to_string(count)});
  }

  template <class M>
  void deliver(const M& message) {
    temp.db->write([&](Tx& tx) { service.onMessage(message, tx); });
  }

  std::vector<OutboxRow> outbox() {
    return temp.db->read([](soci::session& sql) {
      std::vector<OutboxRow> rows;
      OutboxRow row;
      soci::statement st = (sql.prepare << "SELECT type, payload, correlation_id FROM outbox ORDER BY seq",
                            soci::into(row.type), soci::into(row.payload), soci::into(row.correlation));
      st.execute();
      while (st.fetch()) rows.push_back(row);
      return rows;
    });
  }
  // The last outbox row of `type`.
  OutboxRow last(const std::string& type) {
    auto rows = outbox();
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
      if (it->type == type) return *it;
    }
    FAIL("no " << type << " in the outbox");
    return {};
  }
  std::vector<std::string> types() {
    std::vector<std::string> out;
    for (const auto& r : outbox()) out.push_back(r.type);
    return out;
  }
  Checkout order(const std::string& id) {
    return *temp.db->read([&](soci::session& sql) { return store::load(sql, id); });
  }

  inv::SeatsHeld held(const std::string& orderId, int count = 2) {
    inv::SeatsHeld m;
    m.orderId = orderId;
    m.eventId = kEvent;
    m.userId = buyer.userId;
    m.holds = {{newUuid(), "general", count, {2500L * count, "EUR"}}};
    m.total = {2500L * count, "EUR"};
    m.expiresAt = "2030-03-17T17:48:20Z";
    return m;
  }
};

template <class F>
int statusOf(F&& f) {
  try {
    f();
  } catch (const Problem& p) {
    return p.status();
  }
  return 0;
}

}  // namespace

TEST_CASE("placing an order stores it Pending and sends OrderPlaced and HoldSeats with the request's correlation id") {
  Fixture f;
  auto answer = f.place();
  CHECK(answer.status == 202);
  CHECK(!answer.replayed);
  auto c = f.order(answer.orderId);
  CHECK(c.order.status == "Pending");
  CHECK(c.saga.state == "Started");
  CHECK(c.order.correlationId == "corr-1");
  auto rows = f.outbox();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].type == "OrderPlaced");
  CHECK(rows[1].type == "HoldSeats");
  CHECK(rows[1].correlation == "corr-1");
  CHECK(rows[1].json().at("items").as_array().size() == 1);
  auto body = boost::json::parse(answer.body).as_object();
  CHECK(body.at("status") == "Pending");
  CHECK(body.at("statusHistory").as_array().size() == 1);
  // The vault token never appears in a document.
  CHECK(answer.body.find("tok_1") == std::string::npos);
}

TEST_CASE("one Idempotency-Key: the same request replays, another is 422, and only one order exists") {
  Fixture f;
  auto first = f.place("key-a");
  auto again = f.place("key-a");
  CHECK(again.replayed);
  CHECK(again.orderId == first.orderId);
  CHECK(again.body == first.body);
  CHECK(statusOf([&] { f.place("key-a", 3); }) == 422);
  auto page = f.service.list(f.as(f.buyer), {}, PageRequest{1, 20});
  CHECK(page.totalItems == 1);
  // Another user may use the same key.
  CHECK(!f.service.place(f.as(f.other), f.input(), {"key-a", "fp-2"}).replayed);
}

TEST_CASE("the card is prepared only once the request is known to be no replay and the order payable") {
  Fixture f;
  int prepared = 0;
  auto prepare = [&] {
    ++prepared;
    pay::PaymentMethod m;
    m.method = "CreditCard";
    m.cardToken = "tok_" + std::to_string(prepared);
    return m;
  };
  auto in = f.input(2, false);
  in.preparePayment = prepare;
  auto first = f.service.place(f.as(f.buyer), in, {"key-p", "fp"});
  CHECK(prepared == 1);
  auto replay = f.service.place(f.as(f.buyer), in, {"key-p", "fp"});
  CHECK(replay.replayed);
  CHECK(prepared == 1);  // a replay puts nothing in the vault
  CHECK(f.order(first.orderId).order.paymentMethod->cardToken == "tok_1");

  // POST /payments: a 409 (the order is not payable yet) and a replay prepare nothing either.
  auto waiting = f.place("k-w", 1, false).orderId;
  pay::PaymentMethod unprepared;
  unprepared.method = "CreditCard";
  PaymentGiven given{unprepared, "10.0.0.1", "ua"};
  CHECK(statusOf([&] { f.service.pay(f.as(f.buyer), waiting, given, {"p1", "x"}, prepare); }) == 409);
  CHECK(prepared == 1);
  f.deliver(f.held(waiting, 1));
  CHECK(f.service.pay(f.as(f.buyer), waiting, given, {"p2", "x"}, prepare).status == 202);
  CHECK(prepared == 2);
  CHECK(f.last("ChargePayment").json().at("paymentMethod").at("cardToken") == "tok_2");
  CHECK(f.service.pay(f.as(f.buyer), waiting, given, {"p2", "x"}, prepare).replayed);
  CHECK(prepared == 2);
}

TEST_CASE("the happy path: held, charged, confirmed, every command carries the order's correlation id") {
  Fixture f;
  auto id = f.place().orderId;
  f.deliver(f.held(id));
  CHECK(f.order(id).order.status == "Reserved");
  auto charge = f.last("ChargePayment").json();
  CHECK(charge.at("amount").at("amount") == 5000);
  CHECK(charge.at("paymentMethod").at("cardToken") == "tok_1");
  // The token is gone from the stored order once the charge is sent.
  auto stored = f.temp.db->read([&](soci::session& sql) {
    std::string method;
    sql << "SELECT payment_method FROM orders WHERE id = :id", soci::into(method), soci::use(id);
    return method;
  });
  CHECK(stored.find("tok_1") == std::string::npos);

  pay::PaymentCompleted paid;
  paid.paymentId = "pay-1";
  paid.orderId = id;
  paid.amount = {5000, "EUR"};
  f.deliver(paid);
  CHECK(f.order(id).order.status == "Paid");
  CHECK(f.types().back() == "ConfirmSeats");

  inv::SeatsConfirmed confirmed;
  confirmed.orderId = id;
  confirmed.eventId = kEvent;
  confirmed.holds = {{"r-2", "general", 2, {5000, "EUR"}}};
  confirmed.heldAgain = true;
  f.deliver(confirmed);
  auto c = f.order(id);
  CHECK(c.order.status == "Completed");
  CHECK(c.order.heldAgain);
  CHECK(c.saga.state == "Completed");
  CHECK(f.types().back() == "OrderCompleted");
  for (const auto& row : f.outbox()) CHECK(row.correlation == "corr-1");
  auto view = f.service.get(f.as(f.buyer), id);
  CHECK(view.history.size() == 4);  // Pending, Reserved, Paid, Completed
  auto saga = f.service.saga(id);
  CHECK(saga.steps.size() >= 5);
  CHECK(saga.compensations.empty());
}

TEST_CASE("a duplicate delivery changes nothing and sends nothing") {
  Fixture f;
  auto id = f.place().orderId;
  auto held = f.held(id);
  f.deliver(held);
  auto before = f.outbox().size();
  auto version = f.order(id).order.version;
  f.deliver(held);
  CHECK(f.outbox().size() == before);
  CHECK(f.order(id).order.version == version);
  CHECK(f.service.get(f.as(f.buyer), id).history.size() == 2);
}

TEST_CASE("a declined card fails the order and releases the holds, SeatsReleased ends the saga") {
  Fixture f;
  auto id = f.place().orderId;
  f.deliver(f.held(id));
  pay::PaymentFailed declined;
  declined.orderId = id;
  declined.reason = "card-declined";
  f.deliver(declined);
  auto c = f.order(id);
  CHECK(c.order.status == "Failed");
  CHECK(c.order.failureReason == "card-declined");
  CHECK(c.saga.state == "Compensating");
  auto types = f.types();
  CHECK(std::find(types.begin(), types.end(), "ReleaseSeats") != types.end());
  CHECK(std::find(types.begin(), types.end(), "OrderFailed") != types.end());
  f.deliver(inv::SeatsReleased{id, kEvent, 2});
  CHECK(f.order(id).saga.state == "Failed");
  CHECK(f.service.saga(id).compensations.size() == 1);
}

TEST_CASE("the sweeper compensates a saga stuck past the timeout, once, the state lives in orders.db") {
  Fixture f;
  auto id = f.place().orderId;
  f.deliver(f.held(id));  // charging
  auto waiting = f.place("k2", 1, false).orderId;
  f.deliver(f.held(waiting, 1));  // waits for payment details: not swept
  CHECK(f.service.sweep() == 0);
  f.clock.advance(std::chrono::seconds(61));
  // A new service on the same store (a restart) finds the stuck saga.
  OrdersService restarted{*f.temp.db, &f.events, f.temp.log, f.metrics, f.clock, Settings{std::chrono::seconds(60)}};
  CHECK(restarted.sweep() == 1);
  auto c = f.order(id);
  CHECK(c.order.status == "Failed");
  CHECK(c.order.failureReason == "saga-timed-out");
  auto rows = f.outbox();
  auto types = f.types();
  CHECK(std::count(types.begin(), types.end(), "VoidPayment") == 1);
  CHECK(std::count(types.begin(), types.end(), "ReleaseSeats") == 1);
  CHECK(f.order(waiting).order.status == "Reserved");
  CHECK(restarted.sweep() == 0);
  // The late charge completes after all: it is voided, never kept.
  pay::PaymentCompleted late;
  late.paymentId = "pay-late";
  late.orderId = id;
  f.deliver(late);
  types = f.types();
  CHECK(std::count(types.begin(), types.end(), "VoidPayment") == 2);
  CHECK(f.order(id).order.status == "Failed");
}

TEST_CASE("the sweeper re-sends a Compensating saga's unanswered compensations, counting and logging them") {
  Fixture f;
  auto id = f.place().orderId;
  f.deliver(f.held(id));
  pay::PaymentFailed declined;
  declined.orderId = id;
  declined.reason = "card-declined";
  f.deliver(declined);  // Compensating, ReleaseSeats sent, no SeatsReleased comes
  auto releases = [&] {
    auto types = f.types();
    return std::count(types.begin(), types.end(), "ReleaseSeats");
  };
  CHECK(releases() == 1);
  CHECK(f.service.sweep() == 0);  // not past the timeout yet
  f.clock.advance(std::chrono::seconds(61));
  CHECK(f.service.sweep() == 1);
  CHECK(releases() == 2);
  auto c = f.order(id);
  CHECK(c.saga.state == "Compensating");
  CHECK(c.saga.compensationAttempts == 2);
  CHECK(c.order.status == "Failed");
  CHECK(f.service.sweep() == 0);  // the re-send starts a new wait
  f.clock.advance(std::chrono::seconds(61));
  CHECK(f.service.sweep() == 1);
  CHECK(releases() == 3);
  CHECK(f.order(id).saga.compensationAttempts == 3);
  auto text = f.metrics.render();
  CHECK(text.find("orders_compensations_resent_total{action=\"ReleaseSeats\"} 2") != std::string::npos);
  CHECK(text.find("\norders_saga_timeouts_total ") == std::string::npos);  // a re-send is not a timeout
  // The answer comes at last: the saga ends, nothing more is sent.
  f.deliver(inv::SeatsReleased{id, kEvent, 2});
  CHECK(f.order(id).saga.state == "Failed");
  f.clock.advance(std::chrono::seconds(61));
  CHECK(f.service.sweep() == 0);
  CHECK(releases() == 3);
}

TEST_CASE("running sagas of ended orders never hide a stuck saga from the sweeper's batch") {
  Fixture f;
  OrdersService small{*f.temp.db, &f.events, f.temp.log, f.metrics, f.clock, Settings{std::chrono::seconds(60), 2}};
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(f.place("k" + std::to_string(i)).orderId);
    f.deliver(f.held(ids.back()));  // charging
    f.clock.advance(std::chrono::seconds(1));
  }
  // The two oldest orders ended while their sagas still run (as a Paid order refunded in full did
  // before the refund waited for the sale).
  f.temp.db->write(
      [&](Tx& tx) { tx.exec("UPDATE orders SET status = 'Cancelled' WHERE id IN (?, ?)", ids[0], ids[1]); });
  f.clock.advance(std::chrono::seconds(61));
  CHECK(small.sweep() == 1);
  CHECK(f.order(ids[2]).order.failureReason == "saga-timed-out");
  CHECK(f.order(ids[0]).saga.state == "InProgress");
}

TEST_CASE("an expired hold cancels an order waiting for payment details, found by reservation id") {
  Fixture f;
  auto id = f.place("k", 2, false).orderId;
  auto held = f.held(id);
  f.deliver(held);
  inv::ReservationExpired expired;
  expired.reservationId = held.holds[0].reservationId;  // no orderId: found through order_holds
  f.deliver(expired);
  auto c = f.order(id);
  CHECK(c.order.status == "Cancelled");
  CHECK(c.order.cancelReason == "holdExpired");
  CHECK(f.types().back() == "OrderCancelled");
}

TEST_CASE("an event cancellation refunds paid orders and cancels the others") {
  Fixture f;
  auto paidId = f.place("k1").orderId;
  f.deliver(f.held(paidId));
  pay::PaymentCompleted paid;
  paid.paymentId = "pay-1";
  paid.orderId = paidId;
  f.deliver(paid);
  auto pendingId = f.place("k2").orderId;
  events::messages::EventCancelled cancelled;
  cancelled.eventId = kEvent;
  f.deliver(cancelled);
  f.deliver(cancelled);  // redelivered
  auto types = f.types();
  CHECK(std::count(types.begin(), types.end(), "RefundPayment") == 1);
  CHECK(f.order(pendingId).order.status == "Cancelled");
  CHECK(f.order(paidId).order.cancelPending());
}

TEST_CASE("who sees and who cancels an order") {
  Fixture f;
  auto id = f.place().orderId;
  CHECK(statusOf([&] { f.service.get(f.as(f.other), id); }) == 404);
  CHECK(statusOf([&] { f.service.get(f.as(f.organizer), id); }) == 0);
  CHECK(statusOf([&] { f.service.get(f.as(f.admin), id); }) == 0);
  CHECK(statusOf([&] { f.service.get(f.as(f.buyer), "not-a-uuid"); }) == 404);
  bool pending = false;
  CHECK(statusOf([&] { f.service.cancel(f.as(f.other), id, pending); }) == 404);
  CHECK(statusOf([&] { f.service.cancel(f.as(f.organizer), id, pending); }) == 403);
  // The organizer lists the event's orders; another user lists only their own.
  CHECK(f.service.list(f.as(f.organizer), {kEvent, {}}, PageRequest{1, 20}).totalItems == 1);
  CHECK(f.service.list(f.as(f.other), {kEvent, {}}, PageRequest{1, 20}).totalItems == 0);
  auto view = f.service.cancel(f.as(f.buyer), id, pending);
  CHECK(!pending);
  CHECK(view.checkout.order.status == "Cancelled");
  CHECK(f.types().back() == "OrderCancelled");
  CHECK(statusOf([&] { f.service.cancel(f.as(f.buyer), id, pending); }) == 0);  // again: unchanged
}

TEST_CASE("paying a Reserved order placed without payment details: once, only by its buyer") {
  Fixture f;
  auto id = f.place("k", 2, false).orderId;
  pay::PaymentMethod m;
  m.method = "PayPal";
  PaymentGiven given{m, "10.0.0.1", "ua"};
  CHECK(statusOf([&] { f.service.pay(f.as(f.buyer), id, given, {"p1", "x"}); }) == 409);  // still Pending
  f.deliver(f.held(id));
  CHECK(statusOf([&] { f.service.pay(f.as(f.other), id, given, {"p2", "x"}); }) == 404);
  auto answer = f.service.pay(f.as(f.buyer), id, given, {"p3", "x"});
  CHECK(answer.status == 202);
  CHECK(f.types().back() == "ChargePayment");
  CHECK(f.service.pay(f.as(f.buyer), id, given, {"p3", "x"}).replayed);
  CHECK(statusOf([&] { f.service.pay(f.as(f.buyer), id, given, {"p4", "x"}); }) == 409);
}

TEST_CASE("every orders metric is described") {
  Fixture f;
  auto text = f.metrics.render();
  for (const char* name :
       {"orders_placed_total", "orders_completed_total", "orders_failed_total", "orders_cancelled_total",
        "orders_refunded_total", "orders_saga_transitions_total", "orders_compensations_total",
        "orders_saga_timeouts_total", "orders_saga_facts_total", "orders_compensations_resent_total"}) {
    CAPTURE(name);
    CHECK(text.find(std::string("# HELP ") + name) != std::string::npos);
  }
}
