// Inventory over HTTP against the real binary: the five promises of issue 5 (no oversell under a
// race, no lost hold across kill -9, no sale after expiry, a per-user limit that parallel requests
// cannot bypass, idempotent reserves) plus every route, role and rule.
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <doctest/doctest.h>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "http_client.hpp"
#include "json_text.hpp"
#include "problem_check.hpp"
#include "sqlite_query.hpp"
#include "test_server.hpp"
#include "token_mint.hpp"
#include "websocket_client.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::test_support;
using namespace std::chrono_literals;

namespace {

struct Event {
  std::string id;
  std::string organizerToken;
};

// Creates and publishes an event with one category "general" of `seats`, and waits until the
// inventory module has built its inventory from the events module's messages.
Event publishedEvent(TestServer& server, int seats, const std::string& startsAt = "2031-06-01T19:00:00Z",
                     int maxCapacity = 0) {
  auto organizer = mintToken("Organizer").token;
  boost::json::object body{
      {"name", "Race Night"},
      {"description", "A test show"},
      {"category", "concert"},
      {"startsAt", startsAt},
      {"endsAt", "2031-06-01T23:00:00Z"},
      {"timezone", "Europe/Berlin"},
      {"venue", {{"name", "Hall"}, {"address", "1 Main St"}, {"city", "Berlin"}, {"country", "DE"}}},
      {"maxCapacity", maxCapacity > 0 ? maxCapacity : seats},
      {"priceCategories", boost::json::array{{{"categoryId", "general"},
                                              {"name", "General"},
                                              {"price", {{"amount", 2500}, {"currency", "EUR"}}},
                                              {"totalSeats", seats}}}}};
  auto created = server.post("/api/v1/events", boost::json::serialize(body), TestServer::bearer(organizer));
  REQUIRE_MESSAGE(created.status == 201, created.body);
  std::string id = str(created.json().at("id"));
  auto published = server.post("/api/v1/events/" + id + "/publish", "{}", TestServer::bearer(organizer));
  REQUIRE_MESSAGE(published.status == 200, published.body);
  bool onSale = eventually([&] {
    auto inventory = server.get("/api/v1/inventory/" + id);
    return inventory.status == 200 && inventory.json().at("status") == "Published";
  });
  if (!onSale) FAIL("the inventory never appeared for event " << id);
  return {id, organizer};
}

HttpResult reserve(TestServer& server, const std::string& eventId, const std::string& token, int count,
                   HeaderList extra = {}) {
  extra.emplace_back("Authorization", "Bearer " + token);
  return server.post("/api/v1/inventory/" + eventId + "/reserve",
                     R"({"categoryId":"general","ticketCount":)" + std::to_string(count) + "}", extra);
}

// The invariant, read from the file rather than from the server.
// "2026-01-02T03:04:05Z" or "...05.678Z" as Unix milliseconds.
std::int64_t unixMillis(const std::string& rfc3339) {
  std::tm tm{};
  int millis = 0;
  int fields = std::sscanf(rfc3339.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                           &tm.tm_min, &tm.tm_sec, &millis);
  REQUIRE_MESSAGE(fields >= 6, rfc3339);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + (fields == 7 ? millis : 0);
}

void checkStoredInvariant(const TestServer& server, const std::string& eventId) {
  auto db = server.dataDir() / "inventory.db";
  auto rows = queryDb(db, "SELECT total, available, reserved, sold FROM categories WHERE event_id = '" + eventId + "'");
  REQUIRE(rows.size() == 1);
  int total = std::stoi(*rows[0][0]), available = std::stoi(*rows[0][1]), reserved = std::stoi(*rows[0][2]),
      sold = std::stoi(*rows[0][3]);
  CHECK(available + reserved + sold == total);
  CHECK(available >= 0);
  auto held =
      queryDb(db, "SELECT COALESCE(SUM(ticket_count), 0) FROM reservations WHERE status = 'Reserved' AND event_id = '" +
                      eventId + "'");
  CHECK(std::stoi(*held[0][0]) == reserved);
}

}  // namespace

TEST_CASE("200 concurrent clients race for the last 50 seats: exactly 50 are granted") {
  TestServer server;
  auto event = publishedEvent(server, 60);
  REQUIRE(reserve(server, event.id, mintToken("User").token, 10).status == 201);  // 50 seats left

  std::vector<std::string> tokens;
  for (int i = 0; i < 200; ++i) tokens.push_back(mintToken("User").token);
  std::atomic<int> granted{0}, soldOut{0}, other{0};
  runConcurrently(200, [&](int i) {
    auto r = reserve(server, event.id, tokens[static_cast<std::size_t>(i)], 1);
    if (r.status == 201) {
      ++granted;
    } else if (r.status == 409 && problemType(r) == "/problems/not-enough-seats") {
      ++soldOut;
    } else {
      ++other;
    }
  });
  CHECK(granted == 50);
  CHECK(soldOut == 150);
  CHECK(other == 0);
  auto availability = server.get("/api/v1/inventory/" + event.id).json().as_object();
  CHECK(availability.at("availableTickets") == 0);
  CHECK(availability.at("reservedTickets") == 60);
  checkStoredInvariant(server, event.id);
}

TEST_CASE("kill -9 during a reservation rush loses no confirmed hold and counts no seat twice") {
  TestServer server;
  auto event = publishedEvent(server, 100000);
  std::mutex mutex;
  std::vector<std::string> acknowledged;  // every hold a client was told succeeded
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&] {
      auto token = mintToken("User").token;
      while (!stop) {
        try {
          auto r = reserve(server, event.id, token, 1);
          if (r.status == 201) {
            std::lock_guard lock(mutex);
            acknowledged.push_back(str(r.json().at("reservationId")));
          }
          if (r.status == 409) token = mintToken("User").token;  // this buyer hit the per-user limit
        } catch (const std::exception&) {
          return;  // the server is gone
        }
      }
    });
  }
  std::this_thread::sleep_for(1500ms);
  server.kill9();
  stop = true;
  for (auto& t : clients) t.join();
  REQUIRE(acknowledged.size() > 10);

  server.restart();
  auto db = server.dataDir() / "inventory.db";
  std::set<std::string> stored;
  for (const auto& row : queryDb(
           db, "SELECT reservation_id FROM reservations WHERE status = 'Reserved' AND event_id = '" + event.id + "'")) {
    stored.insert(*row[0]);
  }
  for (const auto& id : acknowledged) CHECK_MESSAGE(stored.count(id) == 1, "acknowledged hold lost: " << id);
  checkStoredInvariant(server, event.id);
  auto availability = server.get("/api/v1/inventory/" + event.id).json().as_object();
  CHECK(availability.at("reservedTickets").as_int64() == static_cast<std::int64_t>(stored.size()));
  CHECK(availability.at("availableTickets").as_int64() == 100000 - static_cast<std::int64_t>(stored.size()));
}

// Expiry itself (a confirm after the hold expired is refused, the seats come back, the message
// goes out) is decided on the engine's injected clock: engine_test.cpp moves a ManualClock instead
// of sleeping here. This test proves the configured lifetime reaches the engine.
TEST_CASE("inventory.reservationTimeoutSeconds sets how long a hold lasts") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_INVENTORY_RESERVATION_TIMEOUT_SECONDS", "2"}};
  TestServer server(options);
  auto event = publishedEvent(server, 10);
  auto hold = reserve(server, event.id, mintToken("User").token, 3);
  REQUIRE(hold.status == 201);
  CHECK(unixMillis(str(hold.json().at("expiresAt"))) - unixMillis(str(hold.json().at("reservedAt"))) == 2000);
  checkStoredInvariant(server, event.id);
}

TEST_CASE("the per-user limit cannot be bypassed by parallel requests") {
  TestServer server;
  auto event = publishedEvent(server, 1000);
  auto buyer = mintToken("User").token;
  std::atomic<int> granted{0}, limited{0};
  runConcurrently(30, [&](int) {
    auto r = reserve(server, event.id, buyer, 1);
    if (r.status == 201) ++granted;
    if (r.status == 409 && problemType(r) == "/problems/per-user-limit") ++limited;
  });
  CHECK(granted == 10);
  CHECK(limited == 20);
}

TEST_CASE("the same Idempotency-Key sent in parallel reserves once") {
  TestServer server;
  auto event = publishedEvent(server, 100);
  auto buyer = mintToken("User").token;
  std::mutex mutex;
  std::set<std::string> ids;
  std::atomic<int> created{0};
  runConcurrently(10, [&](int) {
    auto r = reserve(server, event.id, buyer, 2, {{"Idempotency-Key", "order-42"}});
    if (r.status == 201) {
      ++created;
      std::lock_guard lock(mutex);
      ids.insert(str(r.json().at("reservationId")));
    }
  });
  CHECK(created == 10);
  CHECK(ids.size() == 1);
  CHECK(server.get("/api/v1/inventory/" + event.id).json().at("reservedTickets") == 2);
  auto reused = reserve(server, event.id, buyer, 3, {{"Idempotency-Key", "order-42"}});
  CHECK(reused.status == 422);
  CHECK(problemType(reused) == "/problems/idempotency-key-reused");
}

TEST_CASE("reserve validates its input and names the field") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  auto buyer = mintToken("User").token;
  auto zero = reserve(server, event.id, buyer, 0);
  CHECK(zero.status == 400);
  CHECK(zero.json().at("errors").as_array()[0].at("field") == "ticketCount");
  CHECK(reserve(server, event.id, buyer, 5000).status == 400);
  auto unknownCategory = server.post("/api/v1/inventory/" + event.id + "/reserve",
                                     R"({"categoryId":"vip","ticketCount":1})", TestServer::bearer(buyer));
  CHECK(unknownCategory.status == 400);
  auto extra = server.post("/api/v1/inventory/" + event.id + "/reserve",
                           R"({"categoryId":"general","ticketCount":1,"seat":"A1"})", TestServer::bearer(buyer));
  CHECK(extra.status == 400);
  auto wrongType = server.request("POST", "/api/v1/inventory/" + event.id + "/reserve", "categoryId=general",
                                  {{"Authorization", "Bearer " + buyer}, {"Content-Type", "text/plain"}});
  CHECK(wrongType.status == 415);
  CHECK(
      server.post("/api/v1/inventory/" + event.id + "/reserve", R"({"categoryId":"general","ticketCount":1})").status ==
      401);
  CHECK(reserve(server, event.id, mintToken("Organizer").token, 1).status == 403);  // organizers do not buy
  CHECK(reserve(server, "00000000-0000-4000-8000-000000000000", buyer, 1).status == 404);
}

TEST_CASE("holders release, admins confirm, strangers see nothing") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  auto alice = mintToken("User"), mallory = mintToken("User");
  auto hold = reserve(server, event.id, alice.token, 2);
  REQUIRE(hold.status == 201);
  CHECK(hold.header("location").find("/reservations/") != std::string::npos);
  std::string id = str(hold.json().at("reservationId"));
  std::string body = R"({"reservationId":")" + id + "\"}";
  std::string base = "/api/v1/inventory/" + event.id;

  CHECK(server.get(base + "/reservations/" + id, TestServer::bearer(alice.token)).status == 200);
  CHECK(server.get(base + "/reservations/" + id, TestServer::bearer(mallory.token)).status == 404);
  CHECK(server.post(base + "/release", body, TestServer::bearer(mallory.token)).status == 404);
  CHECK(server.post(base + "/confirm", body, TestServer::bearer(alice.token)).status == 403);
  CHECK(server.post(base + "/release", body, TestServer::bearer(alice.token)).status == 200);
  auto again = server.post(base + "/release", body, TestServer::bearer(alice.token));
  CHECK(again.status == 409);
  CHECK(problemType(again) == "/problems/reservation-released");
  CHECK(server.get(base).json().at("availableTickets") == 10);

  auto second = reserve(server, event.id, alice.token, 4);
  std::string secondBody = R"({"reservationId":")" + str(second.json().at("reservationId")) + "\"}";
  auto admin = server.tokenFor("Admin");
  auto confirmed = server.post(base + "/confirm", secondBody, TestServer::bearer(admin));
  CHECK(confirmed.status == 200);
  CHECK(confirmed.json().at("status") == "Confirmed");
  // Sold seats given back (a refund) are counted on the reservation; a hold placed over HTTP has no order.
  CHECK(confirmed.json().at("returnedCount") == 0);
  CHECK_FALSE(confirmed.json().as_object().contains("orderId"));
  CHECK(server.post(base + "/release", secondBody, TestServer::bearer(alice.token)).status == 409);
  auto availability = server.get(base).json().as_object();
  CHECK(availability.at("soldTickets") == 4);
  CHECK(availability.at("availableTickets") == 6);
  auto db = server.dataDir() / "inventory.db";
  for (const char* type : {"TicketsReserved", "ReservationReleased", "ReservationConfirmed"}) {
    CHECK_MESSAGE(!queryDb(db, std::string("SELECT 1 FROM outbox WHERE type = '") + type + "'").empty(), type);
  }
}

TEST_CASE("capacity needs If-Match, the owner or an Admin, and never drops below what is committed") {
  TestServer server;
  auto event = publishedEvent(server, 10, "2031-06-01T19:00:00Z", 100);
  std::string base = "/api/v1/inventory/" + event.id;
  REQUIRE(reserve(server, event.id, mintToken("User").token, 6).status == 201);
  auto current = server.get(base);
  auto etag = current.header("etag");
  REQUIRE(!etag.empty());
  auto owner = TestServer::bearer(event.organizerToken);
  std::string grow = R"({"categoryId":"general","totalSeats":20})";

  CHECK(server.put(base + "/capacity", grow, owner).status == 428);
  auto stale = owner;
  stale.emplace_back("If-Match", "\"1\"");
  auto refused = server.put(base + "/capacity", grow, stale);
  CHECK(refused.status == 412);
  CHECK(refused.header("etag") == etag);  // the 412 says what the current version is
  // RFC 9110 strong comparison: a weak tag never matches, even of the current version.
  auto weak = owner;
  weak.emplace_back("If-Match", "W/" + etag);
  CHECK(server.put(base + "/capacity", grow, weak).status == 412);
  auto other = TestServer::bearer(mintToken("Organizer").token);
  other.emplace_back("If-Match", etag);
  CHECK(server.put(base + "/capacity", grow, other).status == 403);
  auto fresh = owner;
  fresh.emplace_back("If-Match", etag);
  auto below = server.put(base + "/capacity", R"({"categoryId":"general","totalSeats":5})", fresh);
  CHECK(below.status == 409);
  CHECK(problemType(below) == "/problems/capacity-below-committed");
  auto grown = server.put(base + "/capacity", grow, fresh);
  CHECK(grown.status == 200);
  CHECK(grown.json().at("totalCapacity") == 20);
  CHECK(grown.header("etag") != etag);
  CHECK(server.get(base).json().at("availableTickets") == 14);
  // `*` matches whatever the version is now; a list matches if any member does.
  auto any = owner;
  any.emplace_back("If-Match", "*");
  CHECK(server.put(base + "/capacity", R"({"categoryId":"general","totalSeats":21})", any).status == 200);
  auto listed = owner;
  listed.emplace_back("If-Match", "\"1\", " + server.get(base).header("etag"));
  CHECK(server.put(base + "/capacity", R"({"categoryId":"general","totalSeats":22})", listed).status == 200);
}

TEST_CASE("capacity keeps the events module's rules, and the two modules never disagree about seats") {
  TestServer server;
  auto event = publishedEvent(server, 800, "2031-06-01T19:00:00Z", 1744);
  std::string base = "/api/v1/inventory/" + event.id;
  auto owner = TestServer::bearer(event.organizerToken);
  auto withTag = [&] {
    auto headers = owner;
    headers.emplace_back("If-Match", "*");
    return headers;
  };
  // The probe of issue 12: a million seats in a venue for 1,744.
  auto huge = server.put(base + "/capacity", R"({"categoryId":"general","totalSeats":1000000})", withTag());
  checkProblem(huge, 400, "validation");
  CHECK(huge.body.find("maxCapacity 1744") != std::string::npos);
  checkProblem(server.put(base + "/capacity", R"({"categoryId":"general","totalSeats":0})", withTag()), 400,
               "validation");
  auto duplicate = server.put(
      base + "/capacity",
      R"({"categories":[{"categoryId":"general","totalSeats":900},{"categoryId":"general","totalSeats":5}]})",
      withTag());
  checkProblem(duplicate, 400, "validation");
  CHECK(duplicate.body.find("categories[1].categoryId") != std::string::npos);
  CHECK(server.get(base).json().at("totalCapacity") == 800);  // nothing of that was applied

  // What is allowed flows back: the event shows what inventory sells.
  REQUIRE(server.put(base + "/capacity", R"({"categoryId":"general","totalSeats":1744})", withTag()).status == 200);
  auto eventSeats = [&] {
    auto categories = server.get("/api/v1/events/" + event.id).json().at("priceCategories").as_array();
    return categories.at(0).at("totalSeats").to_number<int>();
  };
  CHECK(eventually([&] { return eventSeats() == 1744; }));
  CHECK(server.get(base).json().at("totalCapacity") == 1744);

  // Seats sold while the organizer shrinks the category: inventory keeps them and says so, and
  // the event follows (the organizer's edit was checked before the sale).
  auto buyer = mintToken("User");
  REQUIRE(reserve(server, event.id, buyer.token, 4).status == 201);
  auto current = server.get("/api/v1/events/" + event.id);
  auto body = current.json().as_object();
  body["priceCategories"].as_array()[0].as_object()["totalSeats"] = 10;
  for (const char* key : {"id", "status", "organizerId", "createdAt", "updatedAt", "version", "availableSeats"}) {
    body.erase(key);
  }
  auto edit = owner;
  edit.emplace_back("If-Match", current.header("etag"));
  auto shrunk = server.put("/api/v1/events/" + event.id, boost::json::serialize(body), edit);
  REQUIRE_MESSAGE(shrunk.status == 200, shrunk.body);
  CHECK(eventually([&] { return server.get(base).json().at("totalCapacity") == 10; }));
  CHECK(eventSeats() == 10);
}

TEST_CASE("availability: ETag, conditional GET, owner extras and a hidden draft") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  std::string base = "/api/v1/inventory/" + event.id;
  auto first = server.get(base);
  CHECK(first.status == 200);
  CHECK(first.json().as_object().count("reservations") == 0);
  CHECK(server.get(base, {{"If-None-Match", first.header("etag")}}).status == 304);
  // If-None-Match compares weakly and takes lists.
  CHECK(server.get(base, {{"If-None-Match", "\"0\", W/" + first.header("etag")}}).status == 304);
  CHECK(server.get(base, {{"If-None-Match", "\"0\""}}).status == 200);
  auto owner = server.get(base, TestServer::bearer(event.organizerToken));
  CHECK(owner.json().as_object().count("inventoryRules") == 1);
  CHECK(owner.json().at("inventoryRules").at("maxTicketsPerUser") == 10);

  // A draft event has an inventory, but only its organizer sees it.
  auto organizer = mintToken("Organizer").token;
  auto draft = server.post(
      "/api/v1/events",
      R"({"name":"Draft","category":"concert","startsAt":"2031-01-01T19:00:00Z","endsAt":"2031-01-01T21:00:00Z","timezone":"UTC","venue":{"name":"V","city":"Oslo","country":"NO"},"maxCapacity":5,"priceCategories":[{"categoryId":"general","name":"G","price":{"amount":100,"currency":"EUR"},"totalSeats":5}]})",
      TestServer::bearer(organizer));
  REQUIRE(draft.status == 201);
  std::string draftId = str(draft.json().at("id"));
  CHECK(eventually(
      [&] { return server.get("/api/v1/inventory/" + draftId, TestServer::bearer(organizer)).status == 200; }));
  CHECK(server.get("/api/v1/inventory/" + draftId, TestServer::bearer(organizer)).status == 200);
  CHECK(server.get("/api/v1/inventory/" + draftId).status == 404);
  // A buyer cannot tell a Draft from an unknown event: 404, as on GET.
  auto hidden = reserve(server, draftId, mintToken("User").token, 1);
  CHECK(hidden.status == 404);
  CHECK(problemType(hidden) == "/problems/not-found");
  // An Admin (who may buy, unlike an Organizer) sees it, and learns it is not on sale yet.
  auto notOnSale = reserve(server, draftId, mintToken("Admin").token, 1);
  CHECK(notOnSale.status == 409);
  CHECK(problemType(notOnSale) == "/problems/event-not-on-sale");
}

TEST_CASE("the audit log records every change for the owner, paginated") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  for (int i = 0; i < 3; ++i) REQUIRE(reserve(server, event.id, mintToken("User").token, 1).status == 201);
  std::string audit = "/api/v1/inventory/" + event.id + "/audit";
  auto page = server.get(audit + "?page=1&size=2", TestServer::bearer(event.organizerToken));
  REQUIRE(page.status == 200);
  auto body = page.json().as_object();
  CHECK(body.at("items").as_array().size() == 2);
  CHECK(body.at("totalItems").as_int64() >= 4);  // created, published, three holds
  CHECK(body.at("items").as_array()[0].at("action") == "TicketsReserved");
  CHECK(server.get(audit, TestServer::bearer(mintToken("Organizer").token)).status == 403);
  CHECK(server.get(audit, TestServer::bearer(mintToken("User").token)).status == 403);
  CHECK(server.get(audit + "?size=101", TestServer::bearer(event.organizerToken)).status == 400);
}

TEST_CASE("live availability: Server-Sent Events push the document on every change") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  RawConnection stream(server.port(), 3s);
  stream.send(formatRequest("GET", "/api/v1/inventory/" + event.id + "/status", {}, {{"Accept", "text/event-stream"}},
                            server.port()));
  std::string received;
  stream.waitForClose(500ms, &received);
  CHECK(received.find("text/event-stream") != std::string::npos);
  CHECK(received.find("\"availableTickets\":10") != std::string::npos);
  REQUIRE(reserve(server, event.id, mintToken("User").token, 3).status == 201);
  stream.waitForClose(1s, &received);
  CHECK(received.find("\"availableTickets\":7") != std::string::npos);
  // Without an upgrade or an event-stream Accept, the route answers with the snapshot.
  auto plain = server.get("/api/v1/inventory/" + event.id + "/status");
  CHECK(plain.status == 200);
  CHECK(plain.json().at("availableTickets") == 7);
}

TEST_CASE("live availability: a WebSocket watcher gets the document on every change") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  WebSocketClient watcher(server.port(), "/api/v1/inventory/" + event.id + "/status", 5s);
  // The current document at once...
  CHECK(watcher.readText().find("\"availableTickets\":10") != std::string::npos);
  REQUIRE(reserve(server, event.id, mintToken("User").token, 3).status == 201);
  // ...then the change (pushes are coalesced, so read until it arrives).
  auto changed = boost::json::parse(watcher.readUntil("\"availableTickets\":7")).as_object();
  CHECK(str(changed.at("eventId")) == event.id);
  CHECK(changed.at("reservedTickets") == 3);
}

TEST_CASE("live availability: a WebSocket client sending a message over 4 KB is closed with 1009, not buffered") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  RawConnection socket(server.port(), 3s);
  socket.send("GET /api/v1/inventory/" + event.id +
              "/status HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  std::string received;
  socket.waitForClose(500ms, &received);
  REQUIRE(received.find("101 Switching Protocols") != std::string::npos);
  // A masked text frame announcing 1,000,000 bytes (64-bit length), then the start of it.
  std::string frame{'\x81', '\xFF', 0, 0, 0, 0, 0, '\x0F', '\x42', '\x40', 1, 2, 3, 4};
  frame += std::string(1000, 'x');
  socket.trySend(frame);
  received.clear();
  socket.waitForClose(2s, &received);
  // A close frame with status 1009 (message too big).
  CHECK(received.find(std::string{'\x88', '\x02', '\x03', '\xF1'}) != std::string::npos);
}

// Here rather than in kernel_ops_test: this file's helpers drive every module, so each module's
// series exist when /metrics is read.
TEST_CASE("every series on /metrics is described (HELP and a type) once every module has worked") {
  TestServer server;
  server.tokenFor("User");                  // identity: registration and sign-in
  auto event = publishedEvent(server, 10);  // events: created and published; inventory: synced
  REQUIRE(reserve(server, event.id, mintToken("User").token, 1).status == 201);
  auto text = server.get("/metrics").body;
  std::istringstream lines(text);
  std::string line;
  int families = 0;
  while (std::getline(lines, line)) {
    if (!line.starts_with("# TYPE ")) continue;
    auto rest = line.substr(7);
    auto name = rest.substr(0, rest.find(' '));
    auto type = rest.substr(rest.find(' ') + 1);
    CAPTURE(name);
    CHECK(text.find("# HELP " + name + " ") != std::string::npos);
    CHECK((type == "counter" || type == "gauge" || type == "histogram"));
    ++families;
  }
  CHECK(text.find("# TYPE inventory_commands_total counter") != std::string::npos);
  CHECK(text.find("# TYPE events_changes_total counter") != std::string::npos);
  CHECK(text.find("# TYPE identity_sign_ins_total counter") != std::string::npos);
  CHECK(families > 10);
}

TEST_CASE("seed 003: POST /concerts/{id}/reserve is the same reservation") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  auto r = server.post("/api/v1/concerts/" + event.id + "/reserve", R"({"categoryId":"general","ticketCount":2})",
                       TestServer::bearer(mintToken("User").token));
  CHECK(r.status == 201);
  CHECK(server.get("/api/v1/inventory/" + event.id).json().at("reservedTickets") == 2);
}

TEST_CASE("cancelling an event releases its holds") {
  TestServer server;
  auto event = publishedEvent(server, 10);
  REQUIRE(reserve(server, event.id, mintToken("User").token, 4).status == 201);
  REQUIRE(
      server.post("/api/v1/events/" + event.id + "/cancel", "{}", TestServer::bearer(event.organizerToken)).status ==
      200);
  CHECK(eventually([&] { return server.get("/api/v1/inventory/" + event.id).json().at("status") == "Cancelled"; }));
  auto availability = server.get("/api/v1/inventory/" + event.id).json().as_object();
  CHECK(availability.at("status") == "Cancelled");
  CHECK(availability.at("reservedTickets") == 0);
  CHECK(reserve(server, event.id, mintToken("User").token, 1).status == 409);
}
