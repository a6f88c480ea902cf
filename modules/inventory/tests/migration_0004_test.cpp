// Migration 0004 rebuilds the reservations table (order id, returned count, correlation id,
// status Returned): rows stored before keep everything they had, and every CHECK still holds.
#include <doctest/doctest.h>
#include <sstream>
#include <string>
#include <vector>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "engine.hpp"
#include "store.hpp"
#include "support/temp_database.hpp"

using namespace boxoffice;
using namespace boxoffice::inventory;

namespace {

std::vector<Migration> before0004() {
  std::vector<Migration> out;
  for (const auto& m : embeddedMigrations()) {
    if (m.module == "inventory" && m.name < "0004") out.push_back(m);
  }
  return out;
}

bool fails(Database& db, const std::string& sql) {
  try {
    db.write([&](Tx& tx) { tx.exec(sql); });
    return false;
  } catch (const std::exception&) {
    return true;
  }
}

int count(Database& db, const std::string& sql) {
  return db.read([&](soci::session& session) {
    int n = 0;
    session << sql, soci::into(n);
    return n;
  });
}

}  // namespace

TEST_CASE("migration 0004 keeps the reservations stored before it, and its CHECKs hold") {
  auto old = before0004();
  test_support::TempDatabase store("inventory", old);
  constexpr std::int64_t now = 1'900'000'000'000;
  store.db->write([&](Tx& tx) {
    tx.exec(
        "INSERT INTO inventories (event_id, event_name, organizer_id, status, starts_at_ms, max_tickets_per_user, "
        "reservation_timeout_minutes, low_inventory_threshold, last_minute_reservation_minutes, version, "
        "source_version, updated_at) VALUES ('e1', 'Show', 'org', 'Published', ?, 10, 15, 0, 30, 5, 2, 'x')",
        now + 86'400'000);
    tx.exec(
        "INSERT INTO categories (event_id, category_id, name, price_amount, currency, position, total, available, "
        "reserved, sold) VALUES ('e1', 'general', 'General', 4500, 'EUR', 0, 10, 5, 2, 3)");
    auto insert = [&](const char* id, const char* user, int count, const char* status, std::int64_t expires) {
      tx.exec(
          "INSERT INTO reservations (reservation_id, event_id, category_id, user_id, session_id, ticket_count, "
          "amount, currency, reserved_at_ms, expires_at_ms, status, updated_at_ms) "
          "VALUES (?, 'e1', 'general', ?, 's', ?, ?, 'EUR', ?, ?, ?, ?)",
          id, user, count, count * 4500, now - 60'000, expires, status, now - 60'000);
    };
    insert("r-held", "alice", 2, "Reserved", now + 600'000);
    insert("r-sold", "bob", 3, "Confirmed", now);
    insert("r-gone", "carol", 4, "Expired", now);
  });

  store.db->migrate(embeddedMigrations());

  auto held = store.db->read([](soci::session& sql) { return store::findReservation(sql, "r-held"); });
  auto sold = store.db->read([](soci::session& sql) { return store::findReservation(sql, "r-sold"); });
  REQUIRE(held);
  REQUIRE(sold);
  CHECK(held->status == ReservationStatus::Reserved);
  CHECK(held->ticketCount == 2);
  CHECK(held->amount == 9000);
  CHECK(held->expiresAtMs == now + 600'000);
  CHECK_FALSE(held->orderId.has_value());
  CHECK(held->returnedCount == 0);
  CHECK(held->correlationId.empty());
  CHECK(sold->status == ReservationStatus::Confirmed);
  CHECK(count(*store.db, "SELECT COUNT(*) FROM reservations") == 3);
  CHECK(count(*store.db,
              "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('reservations_active', "
              "'reservations_by_event', 'reservations_by_order')") == 3);

  // The new CHECKs: returned seats are sold seats, never more than the hold, Returned when all are.
  CHECK(fails(*store.db, "UPDATE reservations SET returned_count = 4 WHERE reservation_id = 'r-sold'"));
  CHECK(fails(*store.db, "UPDATE reservations SET returned_count = 1 WHERE reservation_id = 'r-held'"));
  CHECK(fails(*store.db, "UPDATE reservations SET status = 'Returned' WHERE reservation_id = 'r-sold'"));
  CHECK(fails(*store.db, "UPDATE reservations SET status = 'Lost' WHERE reservation_id = 'r-sold'"));
  CHECK_FALSE(fails(*store.db, "UPDATE reservations SET returned_count = 1 WHERE reservation_id = 'r-sold'"));
  CHECK_FALSE(fails(*store.db,
                    "UPDATE reservations SET returned_count = 3, status = 'Returned' WHERE reservation_id = 'r-sold'"));
  // The category invariant is untouched.
  CHECK(fails(*store.db, "UPDATE categories SET sold = sold + 1"));
  CHECK(fails(*store.db, "UPDATE categories SET available = -1, total = total - available - 1"));

  // The engine reads the migrated rows: bob's returned seats no longer count towards his limit.
  std::ostringstream logText;
  Logger log{std::make_shared<LogSink>(logText, LogLevel::Error), "inventory"};
  Metrics metrics;
  ManualClock clock{fromUnixMillis(now)};
  Engine engine(*store.db, EngineSettings{}, metrics, log, clock);
  engine.load();
  auto snapshot = engine.snapshot("e1");
  REQUIRE(snapshot);
  CHECK(snapshot->usage.at(0).reservedSeats == 2);
  CHECK(snapshot->usage.at(0).soldSeats == 3);
}
