// The checkout saga's commands against the engine and a real SQLite file: each command's success,
// refusal and repeat; all-or-nothing holds; a late payment held again or refused; returns; the
// correlation ids of the messages they cause. Time moves on a ManualClock.
#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "boxoffice/inventory/messages.hpp"
#include "engine_fixture.hpp"
#include "support/eventually.hpp"

using namespace boxoffice;
using namespace boxoffice::inventory;
using namespace boxoffice::inventory::testing;
namespace m = boxoffice::inventory::messages;

namespace {

m::HoldSeats holdSeats(const std::string& orderId, const std::string& userId, std::vector<m::SeatCount> items,
                       const std::string& eventId = "e1") {
  return {orderId, userId, eventId, std::move(items), std::nullopt};
}

m::HoldSeats adopt(const std::string& orderId, const std::string& userId, const std::string& reservationId,
                   const std::string& eventId = "e1") {
  return {orderId, userId, eventId, {}, reservationId};
}

std::string text(const boost::json::object& o, const char* key) { return std::string(o.at(key).as_string()); }
std::int64_t number(const boost::json::object& o, const char* key) { return o.at(key).to_number<std::int64_t>(); }

}  // namespace

TEST_CASE("HoldSeats holds every item, and a repeat changes nothing and answers the same") {
  Fixture f;
  f.publishCategories("e1", {{"front", 10, 9000}, {"back", 20, 4500}});
  f.command(holdSeats("o1", "alice", {{"front", 2}, {"back", 3}}));

  auto held = f.last("SeatsHeld");
  CHECK(text(held, "orderId") == "o1");
  CHECK(text(held, "userId") == "alice");
  REQUIRE(held.at("holds").as_array().size() == 2);
  CHECK(held.at("total") == boost::json::value{{"amount", 2 * 9000 + 3 * 4500}, {"currency", "EUR"}});
  CHECK(text(held, "expiresAt") == formatRfc3339(fromUnixMillis(1'900'000'000'000 + 15 * kMinute)));
  CHECK(f.storedCounts("e1", "front")[2] == 2);
  CHECK(f.storedCounts("e1", "back")[2] == 3);
  auto reserved = f.outbox("TicketsReserved");
  REQUIRE(reserved.size() == 2);
  for (const auto& row : reserved) {
    CHECK(text(row.payload, "orderId") == "o1");
    CHECK(row.correlationId == "corr-order");
  }
  auto holds = f.orderReservations("o1");
  REQUIRE(holds.size() == 2);
  CHECK(holds[0].correlationId == "corr-order");

  f.command(holdSeats("o1", "alice", {{"front", 2}, {"back", 3}}));
  CHECK(f.outbox("SeatsHeld").size() == 2);
  CHECK(f.last("SeatsHeld") == held);
  CHECK(f.outbox("TicketsReserved").size() == 2);
  CHECK(f.storedCounts("e1", "front")[2] == 2);
  CHECK(f.storedCounts("e1", "back")[2] == 3);
  f.checkDatabase();
  CHECK(f.metricsText().find("inventory_saga_commands_total{command=\"HoldSeats\",result=\"repeated\"} 1") !=
        std::string::npos);
}

TEST_CASE("HoldSeats is all or nothing: the second item lacks seats, nothing is held") {
  Fixture f;
  f.publishCategories("e1", {{"front", 10}, {"back", 2}});
  f.command(holdSeats("o1", "alice", {{"front", 4}, {"back", 3}}));

  auto refused = f.last("SeatsNotHeld");
  CHECK(text(refused, "reason") == "not-enough-seats");
  CHECK(text(refused, "orderId") == "o1");
  CHECK(f.storedCounts("e1", "front") == std::array<int, 4>{10, 10, 0, 0});
  CHECK(f.storedCounts("e1", "back") == std::array<int, 4>{2, 2, 0, 0});
  CHECK(f.outbox("TicketsReserved").empty());
  CHECK(f.outbox("SeatsHeld").empty());
  CHECK(f.orderReservations("o1").empty());
  CHECK(f.engine().snapshot("e1")->json.find("\"availableTickets\":12") != std::string::npos);

  SUBCASE("a repeat is refused the same way, even once seats are there") {
    f.publishCategories("e1", {{"front", 10}, {"back", 5}}, "EventUpdated", 3);
    f.command(holdSeats("o1", "alice", {{"front", 4}, {"back", 3}}));
    CHECK(f.outbox("SeatsNotHeld").size() == 2);
    CHECK(f.last("SeatsNotHeld") == refused);
    CHECK(f.orderReservations("o1").empty());
  }
  SUBCASE("the per-buyer limit counts every item of the order") {
    f.command(holdSeats("o2", "bob", {{"front", 8}, {"back", 2}}));  // 10: at the limit, allowed
    CHECK(f.last("SeatsHeld").at("holds").as_array().size() == 2);
    f.command(holdSeats("o3", "carol", {{"front", 1}, {"front", 1}}));
    CHECK(f.storedCounts("e1", "front")[2] == 10);  // 8 + 1 + 1, the same category twice
    f.publishCategories("e1", {{"front", 30}, {"back", 2}}, "EventUpdated", 3);
    f.command(holdSeats("o4", "bob", {{"front", 1}}));
    CHECK(text(f.last("SeatsNotHeld"), "reason") == "per-user-limit");
  }
  f.checkDatabase();
}

TEST_CASE("HoldSeats refusals: unknown event, event not on sale, unknown category, no items") {
  Fixture f;
  f.publishEvent("e1", 10);
  f.publishEvent("cancelled", 10, 48 * 60 * kMinute, "EventCancelled", 3);
  f.command(holdSeats("o1", "u", {{"general", 1}}, "nope"));
  CHECK(text(f.last("SeatsNotHeld"), "reason") == "event-not-found");
  f.command(holdSeats("o2", "u", {{"general", 1}}, "cancelled"));
  CHECK(text(f.last("SeatsNotHeld"), "reason") == "event-not-on-sale");
  f.command(holdSeats("o3", "u", {{"balcony", 1}}));
  CHECK(text(f.last("SeatsNotHeld"), "reason") == "validation");
  f.command(holdSeats("o4", "u", {}));
  CHECK(text(f.last("SeatsNotHeld"), "reason") == "validation");
  CHECK(f.outbox("TicketsReserved").empty());
  f.checkDatabase();
}

TEST_CASE("HoldSeats adopts the buyer's own active hold, and nobody else's") {
  Fixture f;
  f.publishEvent("e1", 10);
  auto held = f.run(f.reserveCommand("e1", 3), "alice");
  REQUIRE(held.status == 201);
  std::string id = text(held.body, "reservationId");

  f.command(adopt("o-mallory", "mallory", id));
  CHECK(text(f.last("SeatsNotHeld"), "reason") == "reservation-not-found");
  f.command(adopt("o-unknown", "alice", "no-such-hold"));
  CHECK(text(f.last("SeatsNotHeld"), "reason") == "reservation-not-found");

  f.command(adopt("o1", "alice", id));
  auto adopted = f.last("SeatsHeld");
  REQUIRE(adopted.at("holds").as_array().size() == 1);
  CHECK(text(adopted.at("holds").as_array()[0].as_object(), "reservationId") == id);
  CHECK(f.reservation(id)->orderId == std::optional<std::string>("o1"));
  CHECK(f.storedCounts("e1")[2] == 3);  // adopted, not held twice

  f.command(adopt("o2", "alice", id));  // a second order for the same hold
  CHECK(text(f.last("SeatsNotHeld"), "reason") == "reservation-in-order");
  f.command(adopt("o1", "alice", id));  // the same order again: the same answer
  CHECK(f.last("SeatsHeld") == adopted);

  SUBCASE("an order's hold is not confirmed by hand") {
    auto confirm = f.run(ConfirmCommand{"e1", id}, "admin", true);
    CHECK(confirm.status == 409);
    CHECK(confirm.problem->slug() == "reservation-in-order");
  }
  SUBCASE("an expired hold is not adopted") {
    auto other = f.run(f.reserveCommand("e1", 1), "bob");
    std::string otherId = text(other.body, "reservationId");
    f.advance(15 * kMinute + 1);
    f.command(adopt("o3", "bob", otherId));
    CHECK(text(f.last("SeatsNotHeld"), "reason") == "reservation-expired");
  }
  f.checkDatabase();
}

TEST_CASE("ConfirmSeats sells the order's holds, a repeat answers the same") {
  Fixture f;
  f.publishCategories("e1", {{"front", 10, 9000}, {"back", 20, 4500}});
  f.command(holdSeats("o1", "alice", {{"front", 2}, {"back", 3}}));
  f.command(m::ConfirmSeats{"o1", "e1"});

  auto confirmed = f.last("SeatsConfirmed");
  CHECK(text(confirmed, "userId") == "alice");
  CHECK(confirmed.at("heldAgain").as_bool() == false);
  CHECK(confirmed.at("holds").as_array().size() == 2);
  CHECK(f.storedCounts("e1", "front") == std::array<int, 4>{10, 8, 0, 2});
  CHECK(f.storedCounts("e1", "back") == std::array<int, 4>{20, 17, 0, 3});
  CHECK(f.outbox("ReservationConfirmed").size() == 2);

  f.command(m::ConfirmSeats{"o1", "e1"});
  CHECK(f.outbox("SeatsConfirmed").size() == 2);
  CHECK(f.last("SeatsConfirmed") == confirmed);
  CHECK(f.outbox("ReservationConfirmed").size() == 2);
  CHECK(f.storedCounts("e1", "front")[3] == 2);

  SUBCASE("an order that holds nothing is not confirmed") {
    f.command(m::ConfirmSeats{"o-none", "e1"});
    CHECK(text(f.last("SeatsNotConfirmed"), "reason") == "reservation-not-found");
  }
  f.checkDatabase();
}

TEST_CASE("a hold that expired while the payment ran is held again at the price paid, and sold") {
  Fixture f;
  f.publishEvent("e1", 10);
  f.command(holdSeats("o1", "alice", {{"general", 4}}));
  auto original = f.orderReservations("o1").at(0);
  f.advance(16 * kMinute);
  CHECK(test_support::eventually([&] { return f.storedReservations("e1", "Expired") == 4; }));
  // The price went up meanwhile: the buyer still pays, and gets, what the hold said.
  f.publishCategories("e1", {{"general", 10, 6000}}, "EventUpdated", 3);

  f.command(m::ConfirmSeats{"o1", "e1"}, "corr-confirm");
  auto confirmed = f.last("SeatsConfirmed");
  CHECK(confirmed.at("heldAgain").as_bool());
  REQUIRE(confirmed.at("holds").as_array().size() == 1);
  const auto& hold = confirmed.at("holds").as_array()[0].as_object();
  CHECK(text(hold, "reservationId") != original.reservationId);
  CHECK(number(hold, "ticketCount") == 4);
  CHECK(hold.at("amount") == boost::json::value{{"amount", 4 * 4500}, {"currency", "EUR"}});
  CHECK(f.storedCounts("e1") == std::array<int, 4>{10, 6, 0, 4});
  auto holds = f.orderReservations("o1");
  REQUIRE(holds.size() == 2);
  CHECK(holds[0].status == ReservationStatus::Expired);
  CHECK(holds[1].status == ReservationStatus::Confirmed);
  CHECK(holds[1].amount == 4 * 4500);
  f.checkDatabase();
}

TEST_CASE("a hold whose time is up but not yet swept is held again too") {
  Fixture f;
  f.publishEvent("e1", 10);
  f.engine().stop();  // no sweeper: the command finds the hold overdue
  f.command(holdSeats("o1", "alice", {{"general", 2}}));
  f.advance(15 * kMinute);
  f.command(m::ConfirmSeats{"o1", "e1"});
  CHECK(f.last("SeatsConfirmed").at("heldAgain").as_bool());
  CHECK(f.storedCounts("e1") == std::array<int, 4>{10, 8, 0, 2});
  CHECK(f.outbox("ReservationExpired").size() == 1);
  f.checkDatabase();
}

TEST_CASE("a late payment whose seats are gone: SeatsNotConfirmed, and nothing of the order is held or sold") {
  Fixture f;
  f.publishCategories("e1", {{"front", 10}, {"back", 10}});
  f.command(holdSeats("o1", "alice", {{"front", 2}, {"back", 2}}));
  f.advance(16 * kMinute);
  CHECK(test_support::eventually([&] { return f.storedReservations("e1", "Expired") == 4; }));
  // Buyers take every back seat meanwhile; front seats remain.
  for (int i = 0; i < 5; ++i)
    f.command(holdSeats("o-rush-" + std::to_string(i), "rush-" + std::to_string(i), {{"back", 2}}));
  REQUIRE(f.storedCounts("e1", "back")[1] == 0);
  auto reservedBefore = f.outbox("TicketsReserved").size();

  f.command(m::ConfirmSeats{"o1", "e1"}, "corr-late");
  auto refused = f.last("SeatsNotConfirmed");
  CHECK(text(refused, "reason") == "not-enough-seats");
  CHECK(text(refused, "userId") == "alice");
  // The front seats, held again before the back ones failed, are not held or sold either.
  CHECK(f.storedCounts("e1", "front") == std::array<int, 4>{10, 10, 0, 0});
  CHECK(f.storedCounts("e1", "back") == std::array<int, 4>{10, 0, 10, 0});
  for (const auto& hold : f.orderReservations("o1")) CHECK(hold.status == ReservationStatus::Expired);
  CHECK(f.outbox("ReservationConfirmed").empty());
  CHECK(f.outbox("TicketsReserved").size() == reservedBefore);

  SUBCASE("a repeat never sells, even once seats are back") {
    f.command(m::ReleaseSeats{"o-rush-0", "e1", "paymentFailed"});
    f.command(m::ConfirmSeats{"o1", "e1"});
    CHECK(f.last("SeatsNotConfirmed") == refused);
    CHECK(f.outbox("ReservationConfirmed").empty());
    CHECK(f.storedCounts("e1", "front") == std::array<int, 4>{10, 10, 0, 0});
  }
  f.checkDatabase();
}

TEST_CASE("ConfirmSeats with one hold released: the hold still active is released too, nothing is sold") {
  Fixture f;
  f.publishCategories("e1", {{"front", 10}, {"back", 10}});
  f.command(holdSeats("o1", "alice", {{"front", 2}, {"back", 2}}));
  auto holds = f.orderReservations("o1");
  REQUIRE(holds.size() == 2);
  REQUIRE(holds[1].categoryId == "back");
  REQUIRE(f.run(ReleaseCommand{"e1", holds[1].reservationId}, "admin", true).status == 200);

  f.command(m::ConfirmSeats{"o1", "e1"}, "corr-confirm");
  CHECK(text(f.last("SeatsNotConfirmed"), "reason") == "reservation-released");
  CHECK(f.storedCounts("e1", "front") == std::array<int, 4>{10, 10, 0, 0});
  CHECK(f.reservation(holds[0].reservationId)->status == ReservationStatus::Cancelled);
  auto released = f.outbox("ReservationReleased");
  REQUIRE(released.size() == 2);
  CHECK(text(released[1].payload, "reason") == "notConfirmed");
  CHECK(released[1].correlationId == "corr-confirm");
  CHECK(f.outbox("ReservationConfirmed").empty());
  f.checkDatabase();
}

TEST_CASE("ConfirmSeats after the event was cancelled: refused, nothing sold") {
  Fixture f;
  f.publishEvent("e1", 10);
  f.command(holdSeats("o1", "alice", {{"general", 2}}));
  f.publishEvent("e1", 10, 48 * 60 * kMinute, "EventCancelled", 3);
  f.command(m::ConfirmSeats{"o1", "e1"});
  CHECK(text(f.last("SeatsNotConfirmed"), "reason") == "event-not-on-sale");
  CHECK(f.storedCounts("e1") == std::array<int, 4>{10, 10, 0, 0});
  f.checkDatabase();
}

TEST_CASE("ReleaseSeats gives back what the order holds, a repeat gives back nothing") {
  Fixture f;
  f.publishCategories("e1", {{"front", 10}, {"back", 10}});
  f.command(holdSeats("o1", "alice", {{"front", 2}, {"back", 3}}));
  f.command(m::ReleaseSeats{"o1", "e1", "paymentFailed"}, "corr-release");

  auto released = f.last("SeatsReleased");
  CHECK(number(released, "ticketCount") == 5);
  auto messages = f.outbox("ReservationReleased");
  REQUIRE(messages.size() == 2);
  CHECK(text(messages[0].payload, "reason") == "paymentFailed");
  CHECK(messages[0].correlationId == "corr-release");
  CHECK(f.storedCounts("e1", "front") == std::array<int, 4>{10, 10, 0, 0});

  f.command(m::ReleaseSeats{"o1", "e1", "paymentFailed"});
  CHECK(number(f.last("SeatsReleased"), "ticketCount") == 0);
  CHECK(f.outbox("ReservationReleased").size() == 2);
  // Released holds are not held again by a repeated HoldSeats.
  f.command(holdSeats("o1", "alice", {{"front", 2}, {"back", 3}}));
  CHECK(text(f.last("SeatsNotHeld"), "reason") == "reservation-released");
  CHECK(f.storedCounts("e1", "front")[2] == 0);
  // Sold seats are not released: they come back through ReturnSeats.
  f.command(holdSeats("o2", "bob", {{"front", 1}}));
  f.command(m::ConfirmSeats{"o2", "e1"});
  f.command(m::ReleaseSeats{"o2", "e1", "orderCancelled"});
  CHECK(number(f.last("SeatsReleased"), "ticketCount") == 0);
  CHECK(f.storedCounts("e1", "front")[3] == 1);
  f.checkDatabase();
}

TEST_CASE("ReturnSeats: part, then the rest, returned seats are on sale again, a repeat changes nothing") {
  Fixture f;
  f.publishCategories("e1", {{"front", 10}, {"back", 10}});
  f.command(holdSeats("o1", "alice", {{"front", 4}, {"back", 2}}));
  f.command(m::ConfirmSeats{"o1", "e1"});
  REQUIRE(f.storedCounts("e1", "front") == std::array<int, 4>{10, 6, 0, 4});

  f.command(m::ReturnSeats{"o1", "e1", "refund-1", "refund", {{"front", 1}}}, "corr-refund");
  auto first = f.last("SeatsReturned");
  CHECK(number(first, "ticketCount") == 1);
  CHECK(first.at("items") == boost::json::value{boost::json::object{{"categoryId", "front"}, {"ticketCount", 1}}});
  CHECK(text(first, "userId") == "alice");
  CHECK(f.storedCounts("e1", "front") == std::array<int, 4>{10, 7, 0, 3});
  auto holds = f.orderReservations("o1");
  CHECK(holds[0].returnedCount == 1);
  CHECK(holds[0].status == ReservationStatus::Confirmed);
  CHECK(f.engine().snapshot("e1")->json.find("\"availableSeats\":7") != std::string::npos);

  f.command(m::ReturnSeats{"o1", "e1", "refund-1", "refund", {{"front", 1}}});  // the same refund again
  CHECK(f.outbox("SeatsReturned").size() == 2);
  CHECK(f.last("SeatsReturned") == first);
  CHECK(f.storedCounts("e1", "front") == std::array<int, 4>{10, 7, 0, 3});

  // More than is left: what is left comes back.
  f.command(m::ReturnSeats{"o1", "e1", "refund-2", "refund", {{"front", 5}}});
  CHECK(number(f.last("SeatsReturned"), "ticketCount") == 3);
  CHECK(f.orderReservations("o1")[0].status == ReservationStatus::Returned);
  // Everything not yet returned: the back seats.
  f.command(m::ReturnSeats{"o1", "e1", "chargeback-1", "chargeback", {}});
  auto rest = f.last("SeatsReturned");
  CHECK(number(rest, "ticketCount") == 2);
  CHECK(rest.at("items") == boost::json::value{boost::json::object{{"categoryId", "back"}, {"ticketCount", 2}}});
  for (const auto& hold : f.orderReservations("o1")) {
    CHECK(hold.status == ReservationStatus::Returned);
    CHECK(hold.returnedCount == hold.ticketCount);
  }
  CHECK(f.storedCounts("e1", "front") == std::array<int, 4>{10, 10, 0, 0});
  CHECK(f.storedCounts("e1", "back") == std::array<int, 4>{10, 10, 0, 0});
  // Nothing left: an answer with nothing in it.
  f.command(m::ReturnSeats{"o1", "e1", "refund-3", "refund", {}});
  CHECK(number(f.last("SeatsReturned"), "ticketCount") == 0);
  // The buyer's count dropped: she may hold the limit again.
  f.command(holdSeats("o2", "alice", {{"front", 10}}));
  CHECK(f.last("SeatsHeld").at("holds").as_array().size() == 1);
  CHECK(f.outbox("SeatsReturned")[0].correlationId == "corr-refund");
  f.checkDatabase();

  SUBCASE("the returned counts survive a restart") {
    f.restart();
    CHECK(f.orderReservations("o1")[0].status == ReservationStatus::Returned);
    f.command(holdSeats("o3", "alice", {{"back", 1}}));  // 10 held by o2: the limit is reached
    CHECK(text(f.last("SeatsNotHeld"), "reason") == "per-user-limit");
  }
}

TEST_CASE("ReturnSeats on a cancelled event gives the seats back, SoldOut re-arms") {
  Fixture f;
  f.publishEvent("e1", 4);
  f.command(holdSeats("o1", "alice", {{"general", 4}}));
  f.command(m::ConfirmSeats{"o1", "e1"});
  CHECK(f.outbox("SoldOut").size() == 1);
  f.publishEvent("e1", 4, 48 * 60 * kMinute, "EventCancelled", 3);
  f.command(m::ReturnSeats{"o1", "e1", "cancel-1", "eventCancelled", {}}, "corr-cancel");
  CHECK(number(f.last("SeatsReturned"), "ticketCount") == 4);
  CHECK(f.storedCounts("e1") == std::array<int, 4>{4, 4, 0, 0});
  auto events = f.storedReservations("e1", "Returned");
  CHECK(events == 4);
  f.checkDatabase();
}

TEST_CASE("LowInventory, SoldOut and expiries carry the correlationId of what caused them") {
  Fixture f;
  f.publishEvent("e1", 55);  // threshold 50: not low yet
  REQUIRE(f.outbox("LowInventory").empty());
  f.command(holdSeats("o-a", "a", {{"general", 5}}), "corr-a");
  auto low = f.outbox("LowInventory");
  REQUIRE(low.size() == 1);
  CHECK(low[0].correlationId == "corr-a");
  for (int i = 0; i < 5; ++i) {
    f.command(holdSeats("o-" + std::to_string(i), "buyer-" + std::to_string(i), {{"general", 10}}),
              "corr-" + std::to_string(i));
  }
  auto soldOut = f.outbox("SoldOut");
  REQUIRE(soldOut.size() == 1);
  CHECK(soldOut[0].correlationId == "corr-4");

  // The sweeper expires every hold: each message carries its hold's correlation id.
  f.advance(16 * kMinute);
  CHECK(test_support::eventually([&] { return f.outbox("ReservationExpired").size() == 6; }));
  for (const auto& expired : f.outbox("ReservationExpired")) {
    auto order = text(expired.payload, "orderId");
    CHECK(expired.correlationId == (order == "o-a" ? "corr-a" : "corr-" + order.substr(2)));
  }
  // A hold placed over HTTP: its request's id.
  auto held = f.run(f.reserveCommand("e1", 1), "http-buyer");
  REQUIRE(held.status == 201);
  f.advance(16 * kMinute);
  CHECK(test_support::eventually([&] { return f.outbox("ReservationExpired").size() == 7; }));
  CHECK(f.outbox("ReservationExpired").back().correlationId == "test");
  f.checkDatabase();
}

TEST_CASE("a hold placed by a command expires on time though the worker slept longer") {
  Fixture f;
  f.publishEvent("e1", 10);
  f.command(holdSeats("o1", "alice", {{"general", 2}}));
  f.advance(15 * kMinute);  // exactly its expiry
  CHECK(test_support::eventually([&] { return f.storedReservations("e1", "Expired") == 2; }));
  CHECK(f.storedCounts("e1")[1] == 10);
}
