// The tickets service on a real tickets.db with fake events and accounts: issuing is idempotent,
// a returned seat voids unused tickets first, check-in admits once under concurrency, offline
// sync keeps the first scan, a pending transfer dies with its refunded seat.
#include "service.hpp"

#include <atomic>
#include <boost/json/parse.hpp>
#include <doctest/doctest.h>
#include <set>
#include <thread>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"
#include "store.hpp"
#include "support/temp_database.hpp"
#include "ticket_signature.hpp"

using namespace boxoffice;
using namespace boxoffice::tickets;

namespace {

const std::string kOrganizer = "0d3e0000-0000-4000-8000-0000000000aa";
const std::string kBuyer = "0d3e0000-0000-4000-8000-0000000000bb";
const std::string kFriend = "0d3e0000-0000-4000-8000-0000000000cc";
const std::string kEvent = "0d3e0000-0000-4000-8000-0000000000ee";
const std::string kOrder = "0d3e0000-0000-4000-8000-000000000001";

class FakeEvents final : public events::EventQueries {
 public:
  std::optional<events::EventView> findEvent(const std::string& eventId) const override {
    if (eventId != kEvent) return std::nullopt;
    events::EventView e;
    e.eventId = kEvent;
    e.name = "Night";
    e.organizerId = kOrganizer;
    e.status = status;
    e.startsAt = "2031-06-01T19:00:00Z";
    e.endsAt = "2031-06-01T23:00:00Z";
    e.timezone = "Europe/Berlin";
    e.priceCategories = {{"general", "General", {2500, "EUR"}, 100}, {"vip", "VIP", {9000, "EUR"}, 10}};
    return e;
  }
  std::string status = "Published";
};

class FakeUsers final : public identity::UserDirectory {
 public:
  std::optional<identity::UserSummary> findUser(const std::string& userId) const override {
    if (userId == kBuyer) return identity::UserSummary{kBuyer, "buyer@example.com", "Ada Buyer", {}, ""};
    if (userId == kFriend) return identity::UserSummary{kFriend, "friend@example.com", "Bo Friend", {}, ""};
    return std::nullopt;
  }
  std::optional<identity::UserSummary> findUserByEmail(const std::string& email) const override {
    if (email == "friend@example.com") return findUser(kFriend);
    return std::nullopt;
  }
};

std::array<unsigned char, 32> testSealingKey() {
  std::array<unsigned char, 32> key{};
  key.fill(7);
  return key;
}

struct Fixture {
  ManualClock clock{*parseRfc3339("2031-06-01T18:00:00Z")};
  test_support::TempDatabase db{"tickets", embeddedMigrations()};
  Metrics metrics;
  FakeEvents events;
  FakeUsers users;
  KeyRing keys{*db.db, testSealingKey()};
  EventAccess access{*db.db, events};
  TicketService service{*db.db, keys, access, users, clock, db.log, metrics};
  auth::Principal admin{"0d3e0000-0000-4000-8000-0000000000ad", "admin@example.com", {auth::Role::Admin}};
  auth::Principal buyer{kBuyer, "buyer@example.com", {auth::Role::User}};

  void completeOrder(const std::vector<std::pair<std::string, int>>& items) {
    orders::messages::OrderCompleted order;
    order.orderId = kOrder;
    order.userId = kBuyer;
    order.eventId = kEvent;
    order.status = "Completed";
    for (const auto& [category, count] : items) order.items.push_back({category, count, {2500, "EUR"}, {}});
    db.db->write([&](Tx& tx) { service.issue(tx, order, "corr"); });
  }
  void returnSeats(const std::string& category, int count, std::string returnId = {}) {
    static int returns = 0;
    inventory::messages::SeatsReturned returned;
    returned.returnId = returnId.empty() ? "return-" + std::to_string(++returns) : std::move(returnId);
    returned.orderId = kOrder;
    returned.eventId = kEvent;
    returned.reason = "refund";
    returned.items = {{category, count}};
    db.db->write([&](Tx& tx) { service.voidReturned(tx, returned, "corr"); });
  }
  std::vector<Ticket> tickets() const {
    return db.db->read([&](soci::session& sql) {
      std::vector<Ticket> out;
      store::forEachTicketOf(sql, kEvent, 0, [&](const Ticket& t) { out.push_back(t); });
      return out;
    });
  }
  Ticket ticket(const std::string& id) const {
    return *db.db->read([&](soci::session& sql) { return store::findTicket(sql, id); });
  }
  std::map<std::string, int> statuses() const {
    std::map<std::string, int> out;
    for (const auto& t : tickets()) ++out[t.status];
    return out;
  }
};

std::string slugOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const Problem& p) {
    return p.slug();
  }
  return "none";
}

}  // namespace

TEST_CASE("service: an order issues one signed ticket per seat, and a redelivery issues none") {
  Fixture f;
  f.completeOrder({{"general", 2}, {"vip", 1}});
  f.completeOrder({{"general", 2}, {"vip", 1}});
  auto all = f.tickets();
  REQUIRE(all.size() == 3);
  std::set<std::string> codes;
  for (const auto& t : all) {
    CHECK(t.status == "Valid");
    CHECK(t.holderName == "Ada Buyer");
    CHECK(t.code.size() == 8);
    CHECK(t.code.find_first_of("01OIL") == std::string::npos);
    codes.insert(t.code);
    auto claim = readClaim(t.payload);
    REQUIRE(claim);
    CHECK(claim->ticketId == t.ticketId);
    CHECK(claim->eventId == kEvent);
    CHECK(claim->categoryId == t.categoryId);
    auto key = f.keys.publicKey(claim->keyId);
    REQUIRE(key);
    CHECK(verifyPayload(t.payload, *key));
  }
  CHECK(codes.size() == 3);
  CHECK(all.back().categoryName == "VIP");
}

TEST_CASE("service: a returned seat voids an unused ticket before a used one") {
  Fixture f;
  f.completeOrder({{"general", 3}});
  auto all = f.tickets();
  auto used = f.service.checkIn(f.admin, {all[2].code, std::nullopt, std::nullopt, "A"}, "corr");
  CHECK(used.status == "CheckedIn");
  f.returnSeats("general", 1);
  CHECK(f.statuses() == std::map<std::string, int>{{"CheckedIn", 1}, {"Valid", 1}, {"Voided", 1}});
  CHECK(f.ticket(all[2].ticketId).status == "CheckedIn");
  f.returnSeats("general", 2);
  CHECK(f.statuses() == std::map<std::string, int>{{"Voided", 3}});
  // More returned than there are tickets: nothing breaks, nothing more to void.
  f.returnSeats("general", 5);
  CHECK(f.statuses() == std::map<std::string, int>{{"Voided", 3}});
}

TEST_CASE("service: an order completed after its event's cancellation issues no ticket") {
  Fixture f;
  f.events.status = "Cancelled";
  f.completeOrder({{"general", 2}});
  CHECK(f.tickets().empty());
}

TEST_CASE("service: the same return delivered again voids nothing more") {
  Fixture f;
  f.completeOrder({{"general", 3}});
  f.returnSeats("general", 1, "refund-1");
  f.returnSeats("general", 1, "refund-1");
  CHECK(f.statuses() == std::map<std::string, int>{{"Valid", 2}, {"Voided", 1}});
  f.returnSeats("general", 1, "refund-2");
  CHECK(f.statuses() == std::map<std::string, int>{{"Valid", 1}, {"Voided", 2}});
}

TEST_CASE("service: of many simultaneous scans of one ticket exactly one admits") {
  Fixture f;
  f.completeOrder({{"general", 1}});
  auto code = f.tickets().front().code;
  std::atomic<int> admitted{0};
  std::atomic<int> duplicate{0};
  {
    std::vector<std::jthread> gates;
    gates.reserve(8);
    for (int i = 0; i < 8; ++i) {
      gates.emplace_back([&, i] {
        auto slug = slugOf([&] {
          f.service.checkIn(f.admin, {code, std::nullopt, std::nullopt, "g" + std::to_string(i)}, "c");
        });
        if (slug == "none") ++admitted;
        if (slug == "already-checked-in") ++duplicate;
      });
    }
  }
  CHECK(admitted == 1);
  CHECK(duplicate == 7);
}

TEST_CASE("service: offline sync keeps the first scan and reports the later one") {
  Fixture f;
  f.completeOrder({{"general", 1}});
  auto t = f.tickets().front();
  f.clock.advance(std::chrono::minutes(2));  // the doors open after the sale
  f.service.checkIn(f.admin, {t.code, std::nullopt, std::nullopt, "online"}, "c");
  auto online = f.ticket(t.ticketId);
  auto earlier = *online.checkedInAt - 60'000;
  auto results =
      f.service.sync(f.admin, kEvent, {{t.ticketId, earlier, "offline"}, {t.ticketId, earlier + 1, "late"}}, "c");
  REQUIRE(results.size() == 2);
  CHECK(results[0].result == "admitted");
  CHECK(results[0].replacedLaterScan);
  CHECK(results[0].firstGate == "online");
  CHECK(results[1].result == "duplicate");
  CHECK(results[1].firstGate == "offline");
  CHECK(f.ticket(t.ticketId).checkedInGate == "offline");
  CHECK(f.ticket(t.ticketId).checkedInAt == earlier);
  // Both admissions are told (audit sees that the recorded one changed), the duplicate is not.
  std::vector<std::string> gatesTold;
  f.db.db->read([&](soci::session& sql) {
    soci::rowset<std::string> rows =
        (sql.prepare << "SELECT payload FROM outbox WHERE type = 'TicketCheckedIn' ORDER BY seq");
    for (const auto& payload : rows)
      gatesTold.push_back(std::string(boost::json::parse(payload).at("gate").as_string()));
  });
  CHECK(gatesTold == std::vector<std::string>{"online", "offline"});
  // A device whose clock says the scan came before the ticket existed changes nothing.
  auto wrongClock = f.service.sync(f.admin, kEvent, {{t.ticketId, t.issuedAt - 1, "broken"}}, "c");
  CHECK(wrongClock.front().result == "invalid-time");
  CHECK(f.ticket(t.ticketId).checkedInGate == "offline");
  // Someone who may not scan the event learns nothing about it.
  CHECK(slugOf([&] { f.service.sync(f.buyer, kEvent, {}, "c"); }) == "not-found");
}

TEST_CASE("service: a refund voids a ticket waiting in a pending transfer, and its claim link dies") {
  Fixture f;
  f.completeOrder({{"general", 1}});
  auto t = f.tickets().front();
  auto offer = f.service.transfer(f.buyer, t.ticketId, "stranger@example.com", "c");
  REQUIRE(offer.claimToken);
  CHECK(offer.transfer.status == "Pending");
  CHECK(f.ticket(t.ticketId).status == "Transferred");
  f.returnSeats("general", 1);
  CHECK(f.ticket(t.ticketId).status == "Voided");
  auth::Principal stranger{"0d3e0000-0000-4000-8000-0000000000dd", "stranger@example.com", {auth::Role::User}};
  CHECK(slugOf([&] { f.service.claim(stranger, *offer.claimToken, "c"); }) == "claim-not-found");
}

TEST_CASE("service: a transfer to an account issues the recipient a new ticket at once") {
  Fixture f;
  f.completeOrder({{"vip", 1}});
  auto t = f.tickets().front();
  CHECK(slugOf([&] { f.service.transfer(f.buyer, t.ticketId, "Buyer@Example.com", "c"); }) == "transfer-to-self");
  auto done = f.service.transfer(f.buyer, t.ticketId, "friend@example.com", "c");
  CHECK(done.transfer.status == "Completed");
  CHECK_FALSE(done.claimToken);
  REQUIRE(done.transfer.newTicketId);
  auto fresh = f.ticket(*done.transfer.newTicketId);
  CHECK(fresh.holderUserId == kFriend);
  CHECK(fresh.holderName == "Bo Friend");
  CHECK(fresh.transferredFrom == t.ticketId);
  CHECK(fresh.code != t.code);
  CHECK(f.ticket(t.ticketId).status == "Transferred");
  // The old holder cannot move it again; the new one can be checked in.
  CHECK(slugOf([&] { f.service.transfer(f.buyer, t.ticketId, "friend@example.com", "c"); }) == "ticket-transferred");
  CHECK(f.service.checkIn(f.admin, {std::nullopt, fresh.payload, kEvent, "A"}, "c").status == "CheckedIn");
}

TEST_CASE("service: a refund voids the buyer's used ticket before one the buyer passed on to someone") {
  Fixture f;
  f.completeOrder({{"general", 2}});
  auto all = f.tickets();
  f.service.checkIn(f.admin, {all[0].code, std::nullopt, std::nullopt, "A"}, "c");
  auto passed = f.service.transfer(f.buyer, all[1].ticketId, "friend@example.com", "c");
  REQUIRE(passed.transfer.newTicketId);
  f.returnSeats("general", 1);
  CHECK(f.ticket(*passed.transfer.newTicketId).status == "Valid");
  CHECK(f.ticket(all[0].ticketId).status == "Voided");
}

TEST_CASE("service: transfers and claims close when the event starts or the organizer turns them off") {
  Fixture f;
  f.completeOrder({{"general", 2}});
  auto all = f.tickets();
  auto offer = f.service.transfer(f.buyer, all[0].ticketId, "stranger@example.com", "c");
  REQUIRE(offer.claimToken);
  f.db.db->write([&](Tx& tx) { store::setTransfersAllowed(tx, kEvent, false, 0); });
  auth::Principal stranger{"0d3e0000-0000-4000-8000-0000000000dd", "stranger@example.com", {auth::Role::User}};
  CHECK(slugOf([&] { f.service.claim(stranger, *offer.claimToken, "c"); }) == "transfers-forbidden");
  f.db.db->write([&](Tx& tx) { store::setTransfersAllowed(tx, kEvent, true, 0); });
  f.clock.advance(std::chrono::hours(2));  // the fixture's event starts at 19:00, the clock was at 18:00
  CHECK(slugOf([&] { f.service.claim(stranger, *offer.claimToken, "c"); }) == "event-over");
  CHECK(slugOf([&] { f.service.transfer(f.buyer, all[1].ticketId, "friend@example.com", "c"); }) == "event-over");
  // The sender can still take it back.
  CHECK(f.service.cancelTransfer(f.buyer, offer.transfer.transferId, "c").status == "Cancelled");
}

TEST_CASE("service: one ticket scanned many times in one offline batch is admitted once, at its earliest scan") {
  Fixture f;
  f.completeOrder({{"general", 1}});
  auto t = f.tickets().front();
  f.clock.advance(std::chrono::minutes(30));
  std::vector<OfflineScan> scans;
  for (int i = 10; i > 0; --i) scans.push_back({t.ticketId, t.issuedAt + i * 1000LL, "g" + std::to_string(i)});
  auto results = f.service.sync(f.admin, kEvent, scans, "c");
  int admitted = 0;
  for (const auto& r : results) admitted += r.result == "admitted" ? 1 : 0;
  CHECK(admitted == 1);
  CHECK(results.back().result == "admitted");  // the last given is the earliest
  CHECK(f.ticket(t.ticketId).checkedInGate == "g1");
}
