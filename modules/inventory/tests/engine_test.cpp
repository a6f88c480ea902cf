// The engine against a real SQLite file: decisions, durability and the invariant.
#include "engine.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <future>
#include <thread>

#include "engine_fixture.hpp"
#include "support/eventually.hpp"

using namespace boxoffice;
using namespace boxoffice::inventory;
using namespace boxoffice::inventory::testing;

TEST_CASE("200 concurrent buyers for the last 50 seats: exactly 50 win") {
  Fixture f;
  f.publishEvent("e1", 50);
  std::atomic<int> granted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 200; ++i) {
    threads.emplace_back([&, i] {
      auto outcome = f.run(f.reserveCommand("e1", 1), "user-" + std::to_string(i));
      if (outcome.status == 201) ++granted;
      if (outcome.status == 409 && outcome.problem && outcome.problem->slug() == "not-enough-seats") ++refused;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(granted == 50);
  CHECK(refused == 150);
  auto counts = f.storedCounts("e1");
  checkInvariant(counts);
  CHECK(counts[1] == 0);
  CHECK(counts[2] == 50);
  CHECK(f.storedReservations("e1", "Reserved") == 50);
  CHECK(f.outboxCount("SoldOut") == 1);
  CHECK(f.engine().snapshot("e1")->json.find("\"availableTickets\":0") != std::string::npos);
}

TEST_CASE("the per-user limit holds against parallel requests") {
  Fixture f;
  f.publishEvent("e1", 100);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 25; ++i) {
    threads.emplace_back([&] {
      if (f.run(f.reserveCommand("e1", 1), "greedy").status == 201) ++granted;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(granted == 10);
  CHECK(f.storedReservations("e1", "Reserved") == 10);
}

TEST_CASE("the same idempotency key sent twice in parallel reserves once") {
  Fixture f;
  f.publishEvent("e1", 100);
  auto first = std::async(std::launch::async, [&] { return f.run(f.reserveCommand("e1", 2, "key-1"), "u"); });
  auto second = std::async(std::launch::async, [&] { return f.run(f.reserveCommand("e1", 2, "key-1"), "u"); });
  auto a = first.get(), b = second.get();
  CHECK(a.status == 201);
  CHECK(b.status == 201);
  CHECK(a.body.at("reservationId") == b.body.at("reservationId"));
  CHECK(a.replayed != b.replayed);
  CHECK(f.storedReservations("e1", "Reserved") == 2);
  SUBCASE("another body with the same key is refused") {
    auto other = f.run(f.reserveCommand("e1", 3, "key-1"), "u");
    CHECK(other.status == 422);
  }
}

TEST_CASE("a hold confirmed after it expired is refused and its seats are not sold") {
  Fixture f;
  f.publishEvent("e1", 10);
  auto hold = f.run(f.reserveCommand("e1", 4), "u");
  REQUIRE(hold.status == 201);
  std::string id(hold.body.at("reservationId").as_string());
  f.advance(15 * kMinute + 1000);
  auto confirm = f.run(ConfirmCommand{"e1", id}, "u");
  CHECK(confirm.status == 409);
  REQUIRE(confirm.problem);
  CHECK(confirm.problem->slug() == "reservation-expired");
  auto counts = f.storedCounts("e1");
  checkInvariant(counts);
  CHECK(counts[1] == 10);
  CHECK(counts[3] == 0);
  CHECK(f.storedReservations("e1", "Expired") == 4);
  CHECK(f.outboxCount("ReservationExpired") == 1);
}

TEST_CASE("the sweeper expires holds without any request") {
  Fixture f;
  f.publishEvent("e1", 10);
  REQUIRE(f.run(f.reserveCommand("e1", 3), "u").status == 201);
  f.advance(16 * kMinute);  // the engine's worker wakes on the jump and expires the hold
  CHECK(test_support::eventually([&] { return f.storedReservations("e1", "Expired") == 3; }));
  CHECK(f.storedCounts("e1")[1] == 10);
}

TEST_CASE("confirm sells, release returns, and the state survives a restart") {
  Fixture f;
  f.publishEvent("e1", 10);
  auto a = f.run(f.reserveCommand("e1", 2), "alice");
  auto b = f.run(f.reserveCommand("e1", 3), "bob");
  REQUIRE(a.status == 201);
  REQUIRE(b.status == 201);
  std::string aId(a.body.at("reservationId").as_string()), bId(b.body.at("reservationId").as_string());
  CHECK(f.run(ConfirmCommand{"e1", aId}, "admin", true).status == 200);
  CHECK(f.run(ConfirmCommand{"e1", aId}, "admin", true).status == 200);  // a retried step is harmless
  CHECK(f.run(ReleaseCommand{"e1", bId}, "mallory").status == 404);      // not yours
  CHECK(f.run(ReleaseCommand{"e1", bId}, "bob").status == 200);
  CHECK(f.run(ReleaseCommand{"e1", bId}, "bob").status == 409);    // already released
  CHECK(f.run(ReleaseCommand{"e1", aId}, "alice").status == 409);  // sold seats are not released

  f.restart();
  auto counts = f.storedCounts("e1");
  checkInvariant(counts);
  CHECK(counts[1] == 8);
  CHECK(counts[3] == 2);
  CHECK(f.engine().snapshot("e1")->json.find("\"soldTickets\":2") != std::string::npos);
  // alice bought 2: she may still hold 8 more, not 9.
  CHECK(f.run(f.reserveCommand("e1", 9), "alice").status == 409);
  auto last = f.run(f.reserveCommand("e1", 8), "alice");
  CHECK_MESSAGE(last.status == 201, std::string(last.problem ? last.problem->what() : ""));
}

TEST_CASE("a hold that expired while the process was down is expired at start") {
  Fixture f;
  f.publishEvent("e1", 10);
  REQUIRE(f.run(f.reserveCommand("e1", 5), "u").status == 201);
  f.close();
  f.advance(20 * kMinute);
  f.open();
  CHECK(test_support::eventually([&] { return f.storedReservations("e1", "Expired") == 5; }));
  checkInvariant(f.storedCounts("e1"));
}

TEST_CASE("capacity cannot go below what is held or sold, and needs the current version") {
  Fixture f;
  f.publishEvent("e1", 10);
  REQUIRE(f.run(f.reserveCommand("e1", 6), "u").status == 201);
  auto version = f.engine().snapshot("e1")->version;
  auto current = IfMatch::parse(etagOf(version));
  CHECK(f.run(CapacityCommand{"e1", current, {{"general", 5}}}, "organizer-1").status == 409);
  auto stale = f.run(CapacityCommand{"e1", IfMatch::parse(etagOf(version - 1)), {{"general", 20}}}, "organizer-1");
  CHECK(stale.status == 412);
  CHECK(stale.problem->headers().at("ETag") == etagOf(version));
  // A weak tag never guards a write, even for the current version.
  CHECK(f.run(CapacityCommand{"e1", IfMatch::parse("W/" + etagOf(version)), {{"general", 20}}}, "organizer-1").status ==
        412);
  CHECK(f.run(CapacityCommand{"e1", current, {{"general", 20}}}, "someone-else").status == 403);
  auto grown = f.run(CapacityCommand{"e1", current, {{"general", 20}}}, "organizer-1");
  CHECK(grown.status == 200);
  auto counts = f.storedCounts("e1");
  CHECK(counts[0] == 20);
  CHECK(counts[1] == 14);
  checkInvariant(counts);
}

TEST_CASE("capacity keeps the venue's maxCapacity over all categories, and needs to know it") {
  Fixture f;
  f.venueCapacity = 30;
  f.publishCategories("e1", {{"front", 10}, {"back", 10}});
  auto current = IfMatch::parse(etagOf(f.engine().snapshot("e1")->version));
  auto over = f.run(CapacityCommand{"e1", current, {{"front", 21}}}, "organizer-1");
  CHECK(over.status == 400);
  CHECK(over.problem->errors().at(0).message.find("31") != std::string::npos);
  CHECK(f.run(CapacityCommand{"e1", current, {{"front", 15}, {"back", 15}}}, "organizer-1").status == 200);
  CHECK(f.outboxCount("CapacityChanged") == 2);

  // An inventory that never heard the venue's capacity (rows from before it was kept) refuses.
  f.venueCapacity = 0;
  f.publishEvent("old", 10);
  f.store().write([&](Tx& tx) { tx.exec("UPDATE inventories SET max_capacity = 0 WHERE event_id = 'old'"); });
  f.restart();
  auto unknown = f.run(CapacityCommand{"old", IfMatch::parse("*"), {{"general", 11}}}, "organizer-1");
  CHECK(unknown.status == 409);
  CHECK(unknown.problem->slug() == "capacity-unknown");
}

TEST_CASE("seats sold before an event's shrink are kept, and announced so the event can follow") {
  Fixture f;
  f.publishEvent("e1", 10);
  REQUIRE(f.run(f.reserveCommand("e1", 6), "u").status == 201);
  // The events module checked 4 against what it knew; meanwhile 6 were held.
  f.publishEvent("e1", 4, 48 * 60 * kMinute, "EventUpdated", 3);
  CHECK(f.storedCounts("e1")[0] == 6);
  REQUIRE(f.outboxCount("CapacityChanged") == 1);
  auto payload = f.outboxPayloads("CapacityChanged").at(0);
  CHECK(payload.at("categoryId") == "general");
  CHECK(payload.at("totalSeats") == 6);
}

TEST_CASE("a Draft event is 404 to everyone but its organizer and Admins, on reserve and on capacity") {
  Fixture f;
  f.publishEvent("draft", 10, 48 * 60 * kMinute, "EventCreated", 1);
  auto version = f.engine().snapshot("draft")->version;
  auto current = IfMatch::parse(etagOf(version));
  auto buyer = f.run(f.reserveCommand("draft", 1), "u");
  CHECK(buyer.status == 404);  // not "not on sale": its existence is not told
  CHECK(f.run(CapacityCommand{"draft", current, {{"general", 12}}}, "another-organizer").status == 404);
  CHECK(f.run(f.reserveCommand("draft", 1), "organizer-1").problem->slug() == "event-not-on-sale");
  CHECK(f.run(CapacityCommand{"draft", current, {{"general", 12}}}, "organizer-1").status == 200);
}

TEST_CASE("a capacity change that changes nothing keeps the version") {
  Fixture f;
  f.publishEvent("e1", 10);
  auto version = f.engine().snapshot("e1")->version;
  auto same = f.run(CapacityCommand{"e1", IfMatch::parse(etagOf(version)), {{"general", 10}}}, "organizer-1");
  CHECK(same.status == 200);
  CHECK(f.engine().snapshot("e1")->version == version);
  CHECK(f.outboxCount("CapacityChanged") == 0);
}

TEST_CASE("refusals: not on sale, too close to the start, unknown event") {
  Fixture f;
  f.publishEvent("soon", 10, 30'000);
  auto late = f.run(f.reserveCommand("soon", 1), "u");
  CHECK(late.status == 409);
  CHECK(late.problem->slug() == "too-close-to-start");
  CHECK(f.run(f.reserveCommand("nope", 1), "u").status == 404);
  f.publishEvent("c", 10, 48 * 60 * kMinute, "EventCancelled", 3);
  auto cancelled = f.run(f.reserveCommand("c", 1), "u");
  CHECK(cancelled.status == 409);
  CHECK(cancelled.problem->slug() == "event-not-on-sale");
}

TEST_CASE("cancelling an event releases its holds") {
  Fixture f;
  f.publishEvent("e1", 10);
  REQUIRE(f.run(f.reserveCommand("e1", 4), "u").status == 201);
  f.publishEvent("e1", 10, 48 * 60 * kMinute, "EventCancelled", 3);
  CHECK(f.storedReservations("e1", "Cancelled") == 4);
  CHECK(f.storedCounts("e1")[1] == 10);
  CHECK(f.outboxCount("ReservationReleased") == 1);
}

TEST_CASE("an older event message does not undo a newer one") {
  Fixture f;
  f.publishEvent("e1", 10, 48 * 60 * kMinute, "EventPublished", 5);
  f.publishEvent("e1", 99, 48 * 60 * kMinute, "EventUpdated", 4);
  CHECK(f.storedCounts("e1")[0] == 10);
}

TEST_CASE("reservation messages keep their wire shape, and the API answers with the same document") {
  Fixture f;
  f.publishEvent("e1", 10);
  auto held = f.run(f.reserveCommand("e1", 4), "u");
  REQUIRE(held.status == 201);
  f.publishEvent("e1", 10, 48 * 60 * kMinute, "EventCancelled", 3);

  auto reserved = f.outboxPayloads("TicketsReserved");
  REQUIRE(reserved.size() == 1);
  CHECK(reserved[0] == held.body);
  std::vector<std::string> keys;
  for (const auto& field : reserved[0]) keys.emplace_back(field.key());
  // returnedCount since issue 9 (sold seats given back); orderId only on a hold an order placed.
  CHECK(keys == std::vector<std::string>{"reservationId", "eventId", "userId", "sessionId", "categoryId", "ticketCount",
                                         "amount", "reservedAt", "expiresAt", "status", "returnedCount"});
  CHECK(reserved[0].at("returnedCount").as_int64() == 0);
  CHECK_FALSE(reserved[0].contains("orderId"));
  CHECK(reserved[0].at("amount") == boost::json::value{{"amount", 4 * 4500}, {"currency", "EUR"}});
  CHECK(reserved[0].at("status").as_string() == "Reserved");

  auto released = f.outboxPayloads("ReservationReleased");
  REQUIRE(released.size() == 1);
  CHECK(released[0].at("reservationId") == reserved[0].at("reservationId"));
  CHECK(released[0].at("status").as_string() == "Cancelled");
  CHECK(released[0].at("reason").as_string() == "eventCancelled");
  CHECK(released[0].size() == reserved[0].size() + 1);
}
