// Idempotency-Key records stored before the kernel kept them still replay after the upgrade.
#include <doctest/doctest.h>
#include <vector>

#include "boxoffice/kernel/idempotency.hpp"
#include "support/temp_database.hpp"

using namespace boxoffice;

TEST_CASE("records of the old idempotency table move to the kernel's and still replay") {
  std::vector<Migration> before;
  for (const auto& m : embeddedMigrations()) {
    if (m.module == "inventory" && m.name < "0003") before.push_back(m);
  }
  test_support::TempDatabase store("inventory", before);
  auto print = idempotency::fingerprint({"event-1", "general", "2", "session"});
  store.db->write([&](Tx& tx) {
    tx.exec(
        "INSERT INTO idempotency (user_id, idempotency_key, request_hash, status, body, created_at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        "user-1", "order-42", print, 201, R"({"reservationId":"r1"})", 1000);
  });

  store.db->migrate(embeddedMigrations());

  auto moved = store.db->read([](soci::session& sql) { return idempotency::find(sql, {"user-1", "order-42"}); });
  REQUIRE(moved.has_value());
  CHECK(moved->status == 201);
  CHECK(moved->body == R"({"reservationId":"r1"})");
  CHECK(idempotency::decide(moved, print, 2000)->body == moved->body);  // the same request replays
  int oldTables = store.db->read([](soci::session& sql) {
    int n = 0;
    sql << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'idempotency'", soci::into(n);
    return n;
  });
  CHECK(oldTables == 0);
}
