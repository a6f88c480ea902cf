// Orders over HTTP against the real binary: what works before inventory and payments answer the
// saga's commands (validation, Idempotency-Key, visibility, roles, cancelling before payment,
// the Admin's saga views, the per-buyer rate limit). End-to-end purchases come with the merge.
#include <atomic>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "eventually.hpp"
#include "json_text.hpp"
#include "problem_check.hpp"
#include "test_server.hpp"
#include "token_mint.hpp"

using namespace boxoffice::testing;
using boxoffice::test_support::eventually;

namespace {

struct Event {
  std::string id;
  std::string organizerToken;
};

// A Draft event: inventory refuses to hold seats for it (SeatsNotHeld event-not-found).
Event createdEvent(TestServer& server, int seats = 100) {
  auto organizer = mintToken("Organizer").token;
  boost::json::object body{
      {"name", "Order Night"},
      {"description", "A test show"},
      {"category", "concert"},
      {"startsAt", "2031-06-01T19:00:00Z"},
      {"endsAt", "2031-06-01T23:00:00Z"},
      {"timezone", "Europe/Berlin"},
      {"venue", {{"name", "Hall"}, {"address", "1 Main St"}, {"city", "Berlin"}, {"country", "DE"}}},
      {"maxCapacity", seats},
      {"priceCategories", boost::json::array{{{"categoryId", "general"},
                                              {"name", "General"},
                                              {"price", {{"amount", 2500}, {"currency", "EUR"}}},
                                              {"totalSeats", seats}}}}};
  auto created = server.post("/api/v1/events", boost::json::serialize(body), TestServer::bearer(organizer));
  REQUIRE_MESSAGE(created.status == 201, created.body);
  return {str(created.json().at("id")), organizer};
}

// Published, and on sale once inventory has built it from the events module's messages.
Event publishedEvent(TestServer& server, int seats = 100) {
  auto event = createdEvent(server, seats);
  auto published =
      server.post("/api/v1/events/" + event.id + "/publish", "{}", TestServer::bearer(event.organizerToken));
  REQUIRE_MESSAGE(published.status == 200, published.body);
  bool onSale = eventually([&] {
    auto inventory = server.get("/api/v1/inventory/" + event.id);
    return inventory.status == 200 && inventory.json().at("status") == "Published";
  });
  REQUIRE_MESSAGE(onSale, "the inventory never appeared for event " << event.id);
  return event;
}

// The order as its buyer sees it once `done` says so.
boost::json::object orderWhen(TestServer& server, const std::string& path, const std::string& token,
                              const std::function<bool(const boost::json::object&)>& done) {
  boost::json::object last;
  bool reached = eventually([&] {
    auto r = server.get(path, TestServer::bearer(token));
    if (r.status != 200) return false;
    last = r.json().as_object();
    return done(last);
  });
  CAPTURE(boost::json::serialize(last));
  REQUIRE(reached);
  return last;
}

bool hasStatus(const boost::json::object& order, const std::string& status) {
  return order.at("status").as_string() == status;
}

int available(TestServer& server, const std::string& eventId) {
  auto r = server.get("/api/v1/inventory/" + eventId);
  REQUIRE(r.status == 200);
  return static_cast<int>(r.json().at("availableTickets").to_number<std::int64_t>());
}

std::string orderBody(const std::string& eventId, int count = 2) {
  return R"({"eventId":")" + eventId + R"(","items":[{"categoryId":"general","ticketCount":)" + std::to_string(count) +
         "}]}";
}

HttpResult placeOrder(TestServer& server, const std::string& token, const std::string& body, const std::string& key) {
  HeaderList headers = TestServer::bearer(token);
  if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
  return server.post("/api/v1/orders", body, headers);
}

bool hasField(const HttpResult& r, const std::string& field) {
  auto fields = problemFields(r);
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

}  // namespace

TEST_CASE("POST /orders: 202 with the Pending order and its Location, bad input is a 400 naming each field") {
  TestServer server;
  auto event = createdEvent(server);
  auto buyer = mintToken("User");

  auto placed = placeOrder(server, buyer.token, orderBody(event.id), "key-1");
  REQUIRE_MESSAGE(placed.status == 202, placed.body);
  auto order = placed.json().as_object();
  CHECK(placed.header("location") == "/api/v1/orders/" + str(order.at("id")));
  CHECK(order.at("status") == "Pending");
  CHECK(str(order.at("userId")) == buyer.userId);
  CHECK(str(order.at("eventId")) == event.id);
  CHECK(str(order.at("correlationId")) == placed.header("x-request-id"));
  CHECK(order.at("checkout").at("state") == "Started");
  CHECK(order.at("statusHistory").as_array().size() == 1);

  SUBCASE("no Idempotency-Key") {
    auto r = placeOrder(server, buyer.token, orderBody(event.id), "");
    checkProblem(r, 400, "validation");
    CHECK(hasField(r, "Idempotency-Key"));
  }
  SUBCASE("items: empty, zero, too many tickets, twice the same category, unknown fields") {
    auto r =
        placeOrder(server, buyer.token,
                   R"({"eventId":")" + event.id +
                       R"(","items":[{"categoryId":"general","ticketCount":0},{"categoryId":"vip","ticketCount":21},)"
                       R"({"categoryId":"general","ticketCount":1,"x":1}],"extra":true})",
                   "key-2");
    checkProblem(r, 400, "validation");
    CHECK(hasField(r, "items[0].ticketCount"));
    CHECK(hasField(r, "items[1].ticketCount"));
    CHECK(hasField(r, "items[2].categoryId"));
    CHECK(hasField(r, "items[2].x"));
    CHECK(hasField(r, "extra"));
    auto empty = placeOrder(server, buyer.token, R"({"eventId":")" + event.id + R"(","items":[]})", "key-3");
    checkProblem(empty, 400, "validation");
    CHECK(hasField(empty, "items"));
  }
  SUBCASE("more items than orders.maxItemsPerOrder") {
    std::string items;
    for (int i = 0; i < 11; ++i) {
      items += std::string(i ? "," : "") + R"({"categoryId":"c)" + std::to_string(i) + R"(","ticketCount":1})";
    }
    auto r = placeOrder(server, buyer.token, R"({"eventId":")" + event.id + R"(","items":[)" + items + "]}", "key-4");
    checkProblem(r, 400, "validation");
    CHECK(hasField(r, "items"));
  }
  SUBCASE("eventId missing or not a UUID; payment of the wrong shape") {
    auto r = placeOrder(server, buyer.token,
                        R"({"eventId":"nope","items":[{"categoryId":"general","ticketCount":1}],)"
                        R"("payment":{"card":{"number":4242}}})",
                        "key-5");
    checkProblem(r, 400, "validation");
    CHECK(hasField(r, "eventId"));
    CHECK(hasField(r, "payment.method"));
    CHECK(hasField(r, "payment.card.number"));
    CHECK(hasField(r, "payment.card.cvc"));
    auto adopt = placeOrder(server, buyer.token, R"({"reservationId":"x","items":[]})", "key-6");
    checkProblem(adopt, 400, "validation");
    CHECK(hasField(adopt, "reservationId"));
    CHECK(hasField(adopt, "items"));
  }
  SUBCASE("a bad field and a card payments refuses: both in one 400") {
    auto r = placeOrder(server, buyer.token,
                        R"({"eventId":"nope","items":[{"categoryId":"general","ticketCount":1}],)"
                        R"("payment":{"method":"CreditCard","card":{"number":"4242 4242 4242 4241","expMonth":12,)"
                        R"("expYear":2030,"cvc":"123","holderName":"Ada L"}}})",
                        "key-7");
    checkProblem(r, 400, "validation");
    CHECK(hasField(r, "eventId"));
    CHECK(hasField(r, "payment.card.number"));
  }
  SUBCASE("who may order") {
    checkProblem(server.post("/api/v1/orders", orderBody(event.id), {{"Idempotency-Key", "k"}}), 401);
    checkProblem(placeOrder(server, event.organizerToken, orderBody(event.id), "k"), 403);
    CHECK(placeOrder(server, mintToken("Admin").token, orderBody(event.id), "k").status == 202);
  }
}

TEST_CASE("Idempotency-Key: the same body replays, another body is 422, two at once make one order") {
  TestServer server;
  auto event = createdEvent(server);
  auto buyer = mintToken("User");
  auto first = placeOrder(server, buyer.token, orderBody(event.id), "same");
  REQUIRE(first.status == 202);
  auto again = placeOrder(server, buyer.token, orderBody(event.id), "same");
  CHECK(again.status == 202);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.json().at("id") == first.json().at("id"));
  CHECK(again.header("location") == first.header("location"));
  checkProblem(placeOrder(server, buyer.token, orderBody(event.id, 3), "same"), 422, "idempotency-key-reused");

  std::mutex mutex;
  std::set<std::string> ids;
  std::atomic<int> accepted{0};
  runConcurrently(2, [&](int) {
    auto r = placeOrder(server, buyer.token, orderBody(event.id, 1), "parallel");
    if (r.status == 202) {
      ++accepted;
      std::lock_guard lock(mutex);
      ids.insert(str(r.json().at("id")));
    }
  });
  CHECK(accepted == 2);
  CHECK(ids.size() == 1);
  auto list = server.get("/api/v1/orders", TestServer::bearer(buyer.token));
  REQUIRE(list.status == 200);
  CHECK(list.json().at("totalItems") == 2);  // "same" and "parallel"
}

TEST_CASE("an order is visible to its buyer, its event's Organizer and Admins, 404 to anyone else") {
  TestServer server;
  auto event = createdEvent(server);
  auto other = createdEvent(server);
  auto buyer = mintToken("User");
  auto placed = placeOrder(server, buyer.token, orderBody(event.id), "k");
  REQUIRE(placed.status == 202);
  auto path = placed.header("location");

  auto mine = server.get(path, TestServer::bearer(buyer.token));
  REQUIRE(mine.status == 200);
  auto etag = mine.header("etag");
  CHECK(etag == "\"" + std::to_string(mine.json().at("version").to_number<std::int64_t>()) + "\"");
  HeaderList conditional = TestServer::bearer(buyer.token);
  conditional.emplace_back("If-None-Match", etag);
  auto notModified = server.get(path, conditional);
  CHECK((notModified.status == 304 || notModified.status == 200));  // 200 only if the saga moved on meanwhile
  CHECK(server.get(path, TestServer::bearer(event.organizerToken)).status == 200);
  CHECK(server.get(path, TestServer::bearer(mintToken("Admin").token)).status == 200);
  checkProblem(server.get(path, TestServer::bearer(mintToken("User").token)), 404);
  checkProblem(server.get(path, TestServer::bearer(other.organizerToken)), 404);
  checkProblem(server.get("/api/v1/orders/not-a-uuid", TestServer::bearer(buyer.token)), 404);
  checkProblem(server.get(path), 401);

  // Lists: the Organizer sees the event's orders, the other Organizer and another user none.
  auto forOrganizer = server.get("/api/v1/orders?eventId=" + event.id, TestServer::bearer(event.organizerToken));
  CHECK(forOrganizer.json().at("totalItems") == 1);
  auto forOther = server.get("/api/v1/orders?eventId=" + event.id, TestServer::bearer(other.organizerToken));
  CHECK(forOther.json().at("totalItems") == 0);
  CHECK(server.get("/api/v1/orders", TestServer::bearer(mintToken("User").token)).json().at("totalItems") == 0);
  // A Draft event: inventory refuses the hold and the order fails.
  auto failed = orderWhen(server, path, buyer.token, [](const auto& o) { return hasStatus(o, "Failed"); });
  CHECK(failed.at("failureReason") == "event-not-found");
  CHECK(server.get("/api/v1/orders?status=Failed", TestServer::bearer(buyer.token)).json().at("totalItems") == 1);
  CHECK(server.get("/api/v1/orders?status=Pending", TestServer::bearer(buyer.token)).json().at("totalItems") == 0);
  checkProblem(server.get("/api/v1/orders?status=Nope&eventId=x&size=0", TestServer::bearer(buyer.token)), 400,
               "validation");
}

TEST_CASE("mine=true: an Admin's and an Organizer's own orders only, a user never sees another's") {
  TestServer server;
  auto event = createdEvent(server);
  auto buyer = mintToken("User");
  auto admin = mintToken("Admin");
  REQUIRE(placeOrder(server, buyer.token, orderBody(event.id), "b").status == 202);
  auto adminsOrder = placeOrder(server, admin.token, orderBody(event.id), "a");
  REQUIRE(adminsOrder.status == 202);
  auto adminsId = adminsOrder.json().at("id").as_string();

  CHECK(server.get("/api/v1/orders", TestServer::bearer(admin.token)).json().at("totalItems") == 2);
  auto own = server.get("/api/v1/orders?mine=true", TestServer::bearer(admin.token)).json();
  REQUIRE(own.at("totalItems") == 1);
  CHECK(own.at("items").as_array().at(0).at("id").as_string() == adminsId);
  CHECK(server.get("/api/v1/orders?mine=false", TestServer::bearer(admin.token)).json().at("totalItems") == 2);
  // The Organizer of the event: every order of it, none with mine=true (they bought nothing).
  auto path = "/api/v1/orders?eventId=" + event.id;
  CHECK(server.get(path, TestServer::bearer(event.organizerToken)).json().at("totalItems") == 2);
  CHECK(server.get(path + "&mine=true", TestServer::bearer(event.organizerToken)).json().at("totalItems") == 0);
  // A user: their own order, with or without mine, never the Admin's.
  for (const auto* query : {"", "?mine=true", "?mine=false"}) {
    auto theirs = server.get(std::string("/api/v1/orders") + query, TestServer::bearer(buyer.token)).json();
    REQUIRE(theirs.at("totalItems") == 1);
    CHECK(theirs.at("items").as_array().at(0).at("id").as_string() != adminsId);
  }
  checkProblem(server.get("/api/v1/orders?mine=yes", TestServer::bearer(admin.token)), 400, "validation");
}

TEST_CASE("seats held for an order, the buyer cancels before payment, the seats come back, the Admin sees the saga") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  auto buyer = mintToken("User");
  auto placed = placeOrder(server, buyer.token, orderBody(event.id, 2), "k");
  REQUIRE(placed.status == 202);
  auto id = str(placed.json().at("id"));
  auto path = placed.header("location");

  // Inventory holds the seats; without payment details the order waits, Reserved, priced from the hold.
  auto reserved = orderWhen(server, path, buyer.token, [](const auto& o) { return hasStatus(o, "Reserved"); });
  CHECK(reserved.at("total").at("amount") == 5000);
  CHECK(reserved.at("total").at("currency") == "EUR");
  CHECK(reserved.at("items").at(0).at("unitPrice").at("amount") == 2500);
  CHECK(reserved.at("reservationIds").as_array().size() == 1);
  CHECK(reserved.at("checkout").at("awaitingPayment") == true);
  CHECK(!reserved.at("expiresAt").is_null());
  CHECK(available(server, event.id) == 8);

  checkProblem(server.post(path + "/cancel", "", TestServer::bearer(mintToken("User").token)), 404);
  checkProblem(server.post(path + "/cancel", "", TestServer::bearer(event.organizerToken)), 403);
  auto cancelled = server.post(path + "/cancel", "", TestServer::bearer(buyer.token));
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  CHECK(cancelled.json().at("status") == "Cancelled");
  CHECK(cancelled.json().at("cancellation").at("reason") == "byBuyer");
  auto history = cancelled.json().at("statusHistory").as_array();
  REQUIRE(history.size() == 3);  // Pending, Reserved, Cancelled
  CHECK(history[2].at("reason") == "byBuyer");
  CHECK(server.post(path + "/cancel", "", TestServer::bearer(buyer.token)).status == 200);  // again: unchanged
  CHECK(eventually([&] { return available(server, event.id) == 10; }));

  checkProblem(server.get("/api/v1/admin/sagas", TestServer::bearer(buyer.token)), 403);
  checkProblem(server.get("/api/v1/admin/sagas/" + id, TestServer::bearer(event.organizerToken)), 403);
  auto admin = mintToken("Admin").token;
  // Inventory confirms the release: the compensation is done and the saga ends Failed.
  bool ended = eventually([&] {
    auto saga = server.get("/api/v1/admin/sagas/" + id, TestServer::bearer(admin));
    return saga.status == 200 && saga.json().at("state") == "Failed";
  });
  CHECK(ended);
  auto saga = server.get("/api/v1/admin/sagas/" + id, TestServer::bearer(admin)).json();
  REQUIRE(saga.at("compensations").as_array().size() == 1);
  CHECK(saga.at("compensations").at(0).at("action") == "ReleaseSeats");
  CHECK(saga.at("steps").as_array().size() >= 4);
  CHECK(saga.at("correlationId") == placed.json().at("correlationId"));
  auto failedSagas = server.get("/api/v1/admin/sagas?state=Failed", TestServer::bearer(admin));
  REQUIRE(failedSagas.status == 200);
  CHECK(failedSagas.json().at("totalItems") == 1);
  checkProblem(server.get("/api/v1/admin/sagas?state=Nope", TestServer::bearer(admin)), 400, "validation");
  checkProblem(server.get("/api/v1/admin/sagas/" + std::string(36, '0'), TestServer::bearer(admin)), 404);
}

TEST_CASE("a hold that expires while the order waits for payment details cancels the order") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_INVENTORY_RESERVATION_TIMEOUT_SECONDS", "1"}};
  TestServer server(options);
  auto event = publishedEvent(server, 10);
  auto buyer = mintToken("User");
  auto placed = placeOrder(server, buyer.token, orderBody(event.id, 3), "k");
  REQUIRE(placed.status == 202);
  auto cancelled = orderWhen(server, placed.header("location"), buyer.token,
                             [](const auto& o) { return hasStatus(o, "Cancelled"); });
  CHECK(cancelled.at("cancellation").at("reason") == "holdExpired");
  CHECK(eventually([&] { return available(server, event.id) == 10; }));
}

TEST_CASE("paying: 409 unless Reserved, 404 for another user's order, once per order") {
  TestServer server;
  auto draft = createdEvent(server);
  auto event = publishedEvent(server);
  auto buyer = mintToken("User");
  auto pay = [&](const std::string& orderId, const std::string& token, const std::string& key) {
    HeaderList headers = TestServer::bearer(token);
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return server.post("/api/v1/payments", R"({"orderId":")" + orderId + R"(","method":"PayPal"})", headers);
  };
  // An order that failed (a Draft event) cannot be paid.
  auto failed = placeOrder(server, buyer.token, orderBody(draft.id), "k1");
  orderWhen(server, failed.header("location"), buyer.token, [](const auto& o) { return hasStatus(o, "Failed"); });
  checkProblem(pay(str(failed.json().at("id")), buyer.token, "p1"), 409, "order-not-payable");

  auto placed = placeOrder(server, buyer.token, orderBody(event.id), "k2");
  auto id = str(placed.json().at("id"));
  orderWhen(server, placed.header("location"), buyer.token, [](const auto& o) { return hasStatus(o, "Reserved"); });
  checkProblem(pay(id, mintToken("User").token, "p2"), 404);
  checkProblem(pay(id, buyer.token, ""), 400, "validation");
  auto paid = pay(id, buyer.token, "p3");
  REQUIRE_MESSAGE(paid.status == 202, paid.body);
  CHECK(paid.header("location") == "/api/v1/orders/" + id);
  CHECK(paid.json().at("payment").at("method") == "PayPal");
  CHECK(paid.json().at("checkout").at("awaitingPayment") == false);
  CHECK(pay(id, buyer.token, "p3").header("idempotent-replayed") == "true");
  checkProblem(pay(id, buyer.token, "p4"), 409, "payment-already-provided");
  // The charge is under way: the buyer can no longer cancel.
  checkProblem(server.post("/api/v1/orders/" + id + "/cancel", "", TestServer::bearer(buyer.token)), 409,
               "payment-under-way");
}

TEST_CASE("a buyer who sends orders too fast gets a 429") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_ORDERS_PLACE_BURST", "2"}, {"BOXOFFICE_ORDERS_PLACE_PER_MINUTE", "1"}};
  TestServer server(options);
  auto event = createdEvent(server);
  auto buyer = mintToken("User");
  CHECK(placeOrder(server, buyer.token, orderBody(event.id), "a").status == 202);
  CHECK(placeOrder(server, buyer.token, orderBody(event.id), "b").status == 202);
  auto limited = placeOrder(server, buyer.token, orderBody(event.id), "c");
  checkProblem(limited, 429, "rate-limited");
  CHECK(!limited.header("retry-after").empty());
  // Another buyer is not affected.
  CHECK(placeOrder(server, mintToken("User").token, orderBody(event.id), "a").status == 202);
}

TEST_CASE("buying the buyer's own hold: the order adopts it and is priced from it, another buyer's hold fails") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  auto buyer = mintToken("User");
  HeaderList headers = TestServer::bearer(buyer.token);
  headers.emplace_back("Idempotency-Key", "hold-1");
  auto hold =
      server.post("/api/v1/inventory/" + event.id + "/reserve", R"({"categoryId":"general","ticketCount":2})", headers);
  REQUIRE_MESSAGE(hold.status == 201, hold.body);
  auto reservationId = str(hold.json().at("reservationId"));
  auto body = R"({"reservationId":")" + reservationId + R"(","eventId":")" + event.id + R"("})";

  auto placed = placeOrder(server, buyer.token, body, "adopt-1");
  REQUIRE_MESSAGE(placed.status == 202, placed.body);
  auto reserved =
      orderWhen(server, placed.header("location"), buyer.token, [](const auto& o) { return hasStatus(o, "Reserved"); });
  REQUIRE(reserved.at("reservationIds").as_array().size() == 1);
  CHECK(str(reserved.at("reservationIds").at(0)) == reservationId);
  CHECK(reserved.at("items").at(0).at("ticketCount") == 2);
  CHECK(reserved.at("total").at("amount") == 5000);
  CHECK(available(server, event.id) == 8);  // the same seats, not held twice

  auto thief = mintToken("User").token;
  auto stolen = placeOrder(server, thief, body, "adopt-2");
  REQUIRE(stolen.status == 202);
  auto failed =
      orderWhen(server, stolen.header("location"), thief, [](const auto& o) { return hasStatus(o, "Failed"); });
  CHECK(failed.at("failureReason") == "reservation-not-found");
}
