// The store on a real SQLite file: appends chain up, a rolled-back savepoint leaves no fork, a
// duplicate id is recorded once, the triggers refuse edits, verify sees the chain, and the
// streaming reads return everything in order.
#include "store.hpp"

#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>
#include <stdexcept>

#include "boxoffice/audit/api.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "support/temp_database.hpp"

using namespace boxoffice;
using namespace boxoffice::audit;

namespace {

Envelope message(const std::string& type = "OrderPlaced", const std::string& occurredAt = "2030-01-01T00:00:00Z") {
  Envelope e;
  e.messageId = newUuid();
  e.occurredAt = occurredAt;
  e.topic = "orders";
  e.type = type;
  e.correlationId = "c1";
  e.causationId = "c1";
  e.payload = {{"n", 1}};
  return e;
}

bool append(Tx& tx, const Envelope& e) {
  return store::append(tx, e, boost::json::serialize(e.toJson()), "2030-01-01T00:00:01Z");
}

std::vector<Record> all(Database& db) {
  std::vector<Record> out;
  store::forEachRecord(db, 2, [&](const Record& r) {
    out.push_back(r);
    return true;
  });
  return out;
}

}  // namespace

TEST_CASE("audit store: appends chain from the genesis hash and verify passes") {
  test_support::TempDatabase t("audit", embeddedMigrations());
  t.db->write([&](Tx& tx) {
    for (int i = 0; i < 5; ++i) append(tx, message());
  });
  auto records = all(*t.db);
  REQUIRE(records.size() == 5);
  CHECK(records[0].previousHash == kGenesisHash);
  for (std::size_t i = 1; i < records.size(); ++i) {
    CHECK(records[i].sequence == records[i - 1].sequence + 1);
    CHECK(records[i].previousHash == records[i - 1].hash);
  }
  auto result = verify(*t.db);
  CHECK(result.intact());
  CHECK(result.records == 5);
}

TEST_CASE("audit store: a record rolled back with its savepoint leaves no fork in the chain") {
  test_support::TempDatabase t("audit", embeddedMigrations());
  t.db->write([&](Tx& tx) {
    append(tx, message());
    CHECK_THROWS_AS(tx.savepoint([&](Tx& inner) {
      append(inner, message());
      throw std::runtime_error("handler failed");
    }),
                    std::runtime_error);
    append(tx, message());
  });
  auto records = all(*t.db);
  REQUIRE(records.size() == 2);
  CHECK(records[1].sequence == 2);
  CHECK(records[1].previousHash == records[0].hash);
  CHECK(verify(*t.db).intact());
}

TEST_CASE("audit store: a message id already recorded is not recorded again") {
  test_support::TempDatabase t("audit", embeddedMigrations());
  auto e = message();
  t.db->write([&](Tx& tx) {
    CHECK(append(tx, e));
    CHECK_FALSE(append(tx, e));
  });
  CHECK(all(*t.db).size() == 1);
}

TEST_CASE("audit store: UPDATE and DELETE are refused by the triggers") {
  test_support::TempDatabase t("audit", embeddedMigrations());
  t.db->write([&](Tx& tx) { append(tx, message()); });
  CHECK_THROWS(t.db->write([&](Tx& tx) { tx.exec("UPDATE audit_records SET type = 'Forged'"); }));
  CHECK_THROWS(t.db->write([&](Tx& tx) { tx.exec("DELETE FROM audit_records"); }));
  CHECK(verify(*t.db).intact());
}

TEST_CASE("audit store: filters, story order and replay chunks") {
  test_support::TempDatabase t("audit", embeddedMigrations());
  t.db->write([&](Tx& tx) {
    append(tx, message("OrderPlaced", "2030-01-01T00:00:00Z"));
    append(tx, message("HoldSeats", "2030-01-02T00:00:00Z"));
    append(tx, message("OrderPlaced", "2030-01-03T00:00:00Z"));
  });
  std::int64_t total = 0;
  auto placed = t.db->read([&](soci::session& sql) {
    store::ListFilter f;
    f.type = "OrderPlaced";
    return store::list(sql, f, PageRequest{1, 10}, total);
  });
  CHECK(total == 2);
  REQUIRE(placed.size() == 2);
  CHECK(placed[0].sequence == 3);  // newest first
  auto story = t.db->read([&](soci::session& sql) { return store::story(sql, "c1", 100); });
  REQUIRE(story.size() == 3);
  CHECK(story[0].sequence == 1);
  CHECK(story[2].sequence == 3);

  store::ReplayFilter replay{1893542400000, 1893628800000, {}};  // 2030-01-02 .. 2030-01-03
  CHECK(t.db->read([&](soci::session& sql) { return store::countMatching(sql, replay); }) == 2);
  std::vector<std::int64_t> seen;
  int chunks = 0;
  store::forEachMatching(*t.db, replay, 1, [&](std::vector<Record>& records) {
    ++chunks;
    for (const auto& r : records) seen.push_back(r.sequence);
  });
  CHECK(chunks == 2);
  CHECK(seen == std::vector<std::int64_t>{2, 3});
  replay.types = {"HoldSeats"};
  CHECK(t.db->read([&](soci::session& sql) { return store::countMatching(sql, replay); }) == 1);
}
