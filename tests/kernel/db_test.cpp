// Database: migrations (once, checksummed, atomic), write transactions (rollback, hooks), the
// outbox written by Tx::publish, and the SQLite settings the design relies on.
#include "boxoffice/kernel/db.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <thread>
#include <vector>

#include "boxoffice/kernel/ids.hpp"
#include "kernel_test_support.hpp"

using namespace boxoffice;

namespace {
constexpr Migration kCreate{"shop", "0001_create.sql",
                            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"};
constexpr Migration kSeed{"shop", "0002_seed.sql",
                          "INSERT INTO items (name) VALUES ('first');\nINSERT INTO items (name) VALUES ('second');"};
constexpr Migration kOther{"other", "0001_other.sql", "CREATE TABLE other_things (id INTEGER);"};

Database::Options optionsFor(const test::TempDir& dir, std::string module = "shop") {
  Database::Options options;
  options.file = dir / (module + ".db");
  options.module = std::move(module);
  return options;
}

int countItems(Database& db) {
  return db.read([](soci::session& s) {
    int n = 0;
    s << "SELECT COUNT(*) FROM items", soci::into(n);
    return n;
  });
}

bool tableExists(Database& db, const std::string& name) {
  return db.read([&](soci::session& s) {
    int n = 0;
    s << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :n", soci::use(name), soci::into(n);
    return n == 1;
  });
}
}  // namespace

TEST_CASE("db: migrations apply in order, once, and only the module's own") {
  test::TempDir dir;
  test::CapturedLog log;
  std::vector<Migration> all{kSeed, kOther, kCreate};  // deliberately out of order
  {
    Database db(optionsFor(dir), log.logger());
    db.migrate(all);
    CHECK(countItems(db) == 2);
    CHECK(db.appliedMigrations() == std::vector<std::string>{"0001_create.sql", "0002_seed.sql"});
    CHECK_FALSE(tableExists(db, "other_things"));
    db.migrate(all);  // again in the same process: nothing re-runs
    CHECK(countItems(db) == 2);
  }
  Database reopened(optionsFor(dir), log.logger());  // a restart
  reopened.migrate(all);
  CHECK(countItems(reopened) == 2);
  CHECK(reopened.appliedMigrations().size() == 2);
}

TEST_CASE("db: a new migration is applied on the next start") {
  test::TempDir dir;
  test::CapturedLog log;
  {
    Database db(optionsFor(dir), log.logger());
    db.migrate(std::vector<Migration>{kCreate});
    CHECK(countItems(db) == 0);
  }
  Database db(optionsFor(dir), log.logger());
  db.migrate(std::vector<Migration>{kCreate, kSeed});
  CHECK(countItems(db) == 2);
}

TEST_CASE("db: an applied migration whose text changed stops the start") {
  test::TempDir dir;
  test::CapturedLog log;
  {
    Database db(optionsFor(dir), log.logger());
    db.migrate(std::vector<Migration>{kCreate, kSeed});
  }
  constexpr Migration edited{"shop", "0002_seed.sql", "INSERT INTO items (name) VALUES ('changed');"};
  Database db(optionsFor(dir), log.logger());
  std::string message;
  try {
    db.migrate(std::vector<Migration>{kCreate, edited});
  } catch (const StartupError& e) {
    message = e.what();
  }
  CAPTURE(message);
  CHECK(message.find("0002_seed.sql") != std::string::npos);  // names the migration
  CHECK(countItems(db) == 2);                                 // and changed nothing
}

TEST_CASE("db: a migration that fails is rolled back and not recorded") {
  test::TempDir dir;
  test::CapturedLog log;
  constexpr Migration broken{"shop", "0002_broken.sql",
                             "CREATE TABLE half (id INTEGER);\nINSERT INTO no_such_table VALUES (1);"};
  Database db(optionsFor(dir), log.logger());
  CHECK_THROWS(db.migrate(std::vector<Migration>{kCreate, broken}));
  CHECK_FALSE(tableExists(db, "half"));
  CHECK(db.appliedMigrations() == std::vector<std::string>{"0001_create.sql"});
}

TEST_CASE("db: the kernel tables exist after migrate") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate({});
  for (auto table : {"outbox", "inbox", "dead_letters"}) {
    CAPTURE(table);
    CHECK(tableExists(db, table));
  }
}

TEST_CASE("db: WAL, foreign keys and full sync are on") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate({});
  db.read([](soci::session& s) {
    std::string mode;
    s << "PRAGMA journal_mode", soci::into(mode);
    CHECK(mode == "wal");
    int foreignKeys = 0;
    s << "PRAGMA foreign_keys", soci::into(foreignKeys);
    CHECK(foreignKeys == 1);
    int synchronous = 0;
    s << "PRAGMA synchronous", soci::into(synchronous);
    CHECK(synchronous == 2);  // FULL
  });
  db.write([](Tx& tx) {
    int foreignKeys = 0;
    tx.sql() << "PRAGMA foreign_keys", soci::into(foreignKeys);
    CHECK(foreignKeys == 1);
  });
}

TEST_CASE("db: a write that throws is rolled back, and the hooks say so") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate(std::vector<Migration>{kCreate});
  bool committedHook = false, rolledBackHook = false;
  CHECK_THROWS_WITH_AS(db.write([&](Tx& tx) {
    tx.sql() << "INSERT INTO items (name) VALUES ('doomed')";
    tx.publish("events", "Doomed", {{"n", 1}}, "corr");
    tx.afterCommit([&] { committedHook = true; });
    tx.onRollback([&] { rolledBackHook = true; });
    throw std::runtime_error("business rule says no");
  }),
                       "business rule says no", std::runtime_error);
  CHECK(countItems(db) == 0);
  CHECK_FALSE(committedHook);
  CHECK(rolledBackHook);
  int outbox = db.read([](soci::session& s) {
    int n = 0;
    s << "SELECT COUNT(*) FROM outbox", soci::into(n);
    return n;
  });
  CHECK(outbox == 0);  // the message went with the state change
  // The writer is usable afterwards.
  db.write([](Tx& tx) { tx.sql() << "INSERT INTO items (name) VALUES ('fine')"; });
  CHECK(countItems(db) == 1);
}

TEST_CASE("db: a committed write runs afterCommit and returns its value") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate(std::vector<Migration>{kCreate});
  std::vector<int> order;
  int id = db.write([&](Tx& tx) {
    tx.sql() << "INSERT INTO items (name) VALUES ('a')";
    tx.afterCommit([&] { order.push_back(1); });
    tx.afterCommit([&] { order.push_back(2); });
    int last = 0;
    tx.sql() << "SELECT last_insert_rowid()", soci::into(last);
    return last;
  });
  CHECK(id == 1);
  CHECK(order == std::vector<int>{1, 2});
}

TEST_CASE("db: tx.publish writes the outbox row in the same transaction") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate(std::vector<Migration>{kCreate});
  int wakeups = 0;
  db.onOutboxCommit([&] { ++wakeups; });

  db.write([](Tx& tx) { tx.sql() << "INSERT INTO items (name) VALUES ('quiet')"; });
  CHECK(wakeups == 0);  // nothing published: the dispatcher is not woken

  std::string messageId = db.write([](Tx& tx) {
    tx.sql() << "INSERT INTO items (name) VALUES ('loud')";
    return tx.publish("events", "ItemAdded", {{"name", "loud"}, {"price", {{"amount", 1999}, {"currency", "EUR"}}}},
                      "request-123");
  });
  CHECK(wakeups == 1);
  CHECK(isUuid(messageId));

  db.read([&](soci::session& s) {
    std::string topic, type, payload, correlation, causation, occurredAt;
    int version = 0;
    soci::indicator dispatched = soci::i_ok;
    std::string dispatchedAt;
    s << "SELECT topic, type, version, payload, correlation_id, causation_id, occurred_at, dispatched_at "
         "FROM outbox WHERE message_id = :id",
        soci::use(messageId), soci::into(topic), soci::into(type), soci::into(version), soci::into(payload),
        soci::into(correlation), soci::into(causation), soci::into(occurredAt), soci::into(dispatchedAt, dispatched);
    REQUIRE(s.got_data());
    CHECK(topic == "events");
    CHECK(type == "ItemAdded");
    CHECK(version == 1);
    auto body = boost::json::parse(payload).as_object();
    CHECK(body.at("name").as_string() == "loud");
    CHECK(body.at("price").at("amount").as_int64() == 1999);
    CHECK(correlation == "request-123");
    CHECK_FALSE(causation.empty());
    CHECK_FALSE(occurredAt.empty());
    CHECK(dispatched == soci::i_null);  // not yet handed to the bus
  });
}

TEST_CASE("db: publish without a correlation id still gets one, and an explicit causation is kept") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate({});
  auto id = db.write([](Tx& tx) { return tx.publish("events", "A", {}, "", "cause-1", 2); });
  db.read([&](soci::session& s) {
    std::string correlation, causation;
    int version = 0;
    s << "SELECT correlation_id, causation_id, version FROM outbox WHERE message_id = :id", soci::use(id),
        soci::into(correlation), soci::into(causation), soci::into(version);
    CHECK_FALSE(correlation.empty());
    CHECK(causation == "cause-1");
    CHECK(version == 2);
  });
}

TEST_CASE("db: concurrent writers are serialized, none lost") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate(std::vector<Migration>{kCreate});
  db.write([](Tx& tx) { tx.sql() << "INSERT INTO items (id, name) VALUES (1, '0')"; });
  std::vector<std::jthread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        db.write([](Tx& tx) {
          // Read-modify-write: lost updates would show if writes overlapped.
          std::string current;
          tx.sql() << "SELECT name FROM items WHERE id = 1", soci::into(current);
          auto next = std::to_string(std::stoi(current) + 1);
          tx.sql() << "UPDATE items SET name = :n WHERE id = 1", soci::use(next);
        });
      }
    });
  }
  threads.clear();
  std::string final = db.read([](soci::session& s) {
    std::string v;
    s << "SELECT name FROM items WHERE id = 1", soci::into(v);
    return v;
  });
  CHECK(final == "150");
}

namespace {
std::vector<std::string> itemNames(Database& db) {
  return db.read([](soci::session& s) {
    std::vector<std::string> names;
    soci::rowset<std::string> rows = (s.prepare << "SELECT name FROM items ORDER BY id");
    for (const auto& name : rows) names.push_back(name);
    return names;
  });
}
}  // namespace

TEST_CASE("db: a released savepoint's writes and hooks belong to the transaction") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate(std::vector<Migration>{kCreate});
  std::vector<std::string> events;
  SUBCASE("the transaction commits: its afterCommit hooks run, in order, after the commit") {
    db.write([&](Tx& tx) {
      tx.afterCommit([&] { events.push_back("outer"); });
      int value = tx.savepoint([&](Tx& inner) {
        inner.exec("INSERT INTO items (name) VALUES ('kept')");
        inner.afterCommit([&] { events.push_back("inner"); });
        inner.onRollback([&] { events.push_back("undo inner"); });
        return 7;
      });
      CHECK(value == 7);
      CHECK(events.empty());  // nothing runs before the commit
    });
    CHECK(events == std::vector<std::string>{"outer", "inner"});
    CHECK(itemNames(db) == std::vector<std::string>{"kept"});
  }
  SUBCASE("the whole transaction rolls back: the savepoint's onRollback hooks run with the others, in reverse") {
    CHECK_THROWS_AS(db.write([&](Tx& tx) {
      tx.onRollback([&] { events.push_back("undo outer"); });
      tx.savepoint([&](Tx& inner) {
        inner.exec("INSERT INTO items (name) VALUES ('lost')");
        inner.afterCommit([&] { events.push_back("inner"); });
        inner.onRollback([&] { events.push_back("undo inner"); });
      });
      throw std::runtime_error("later failure");
    }),
                    std::runtime_error);
    CHECK(events == std::vector<std::string>{"undo inner", "undo outer"});
    CHECK(itemNames(db).empty());
  }
}

TEST_CASE("db: a savepoint that throws undoes its writes and runs its onRollback hooks at once, the rest commits") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate(std::vector<Migration>{kCreate});
  std::vector<std::string> events;
  db.write([&](Tx& tx) {
    tx.exec("INSERT INTO items (name) VALUES ('before')");
    tx.onRollback([&] { events.push_back("undo outer"); });
    CHECK_THROWS_WITH(tx.savepoint([&](Tx& inner) {
      inner.exec("INSERT INTO items (name) VALUES ('doomed')");
      inner.afterCommit([&] { events.push_back("publish doomed"); });
      inner.onRollback([&] { events.push_back("undo 1"); });
      inner.onRollback([&] { events.push_back("undo 2"); });
      throw std::runtime_error("rule broken");
    }),
                      "rule broken");
    // Undone right away, newest first, and only the savepoint's own hooks.
    CHECK(events == std::vector<std::string>{"undo 2", "undo 1"});
    tx.exec("INSERT INTO items (name) VALUES ('after')");
    tx.afterCommit([&] { events.push_back("publish after"); });
  });
  CHECK(events == std::vector<std::string>{"undo 2", "undo 1", "publish after"});
  CHECK(itemNames(db) == std::vector<std::string>{"before", "after"});
}

TEST_CASE("db: nested savepoints: an inner rollback keeps the outer, an outer rollback takes the released inner") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate(std::vector<Migration>{kCreate});
  std::vector<std::string> events;
  db.write([&](Tx& tx) {
    tx.savepoint([&](Tx& outer) {
      outer.exec("INSERT INTO items (name) VALUES ('outer')");
      outer.afterCommit([&] { events.push_back("publish outer"); });
      CHECK_THROWS(outer.savepoint([&](Tx& inner) {
        inner.exec("INSERT INTO items (name) VALUES ('inner')");
        inner.afterCommit([&] { events.push_back("publish inner"); });
        inner.onRollback([&] { events.push_back("undo inner"); });
        throw std::runtime_error("inner fails");
      }));
      // A module's own savepoint inside ours (the inventory engine's "command") still works.
      outer.exec("SAVEPOINT command");
      outer.exec("INSERT INTO items (name) VALUES ('command')");
      outer.exec("RELEASE command");
    });
    CHECK_THROWS(tx.savepoint([&](Tx& outer) {
      outer.exec("INSERT INTO items (name) VALUES ('second outer')");
      outer.onRollback([&] { events.push_back("undo second outer"); });
      outer.savepoint([&](Tx& inner) {
        inner.exec("INSERT INTO items (name) VALUES ('released inner')");
        inner.afterCommit([&] { events.push_back("publish released inner"); });
        inner.onRollback([&] { events.push_back("undo released inner"); });
      });
      throw std::runtime_error("outer fails after its inner was released");
    }));
  });
  CHECK(events == std::vector<std::string>{"undo inner", "undo released inner", "undo second outer", "publish outer"});
  CHECK(itemNames(db) == std::vector<std::string>{"outer", "command"});
}

TEST_CASE("db: a savepoint whose transaction SQLite already ended throws TransactionAborted") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(optionsFor(dir), log.logger());
  db.migrate(std::vector<Migration>{kCreate});
  bool undone = false;
  CHECK_THROWS_AS(db.write([&](Tx& tx) {
    tx.exec("INSERT INTO items (name) VALUES ('lost')");
    tx.savepoint([&](Tx& inner) {
      inner.onRollback([&] { undone = true; });
      inner.executeScript("ROLLBACK");  // what SQLite does on its own after e.g. SQLITE_FULL
      throw std::runtime_error("disk full");
    });
  }),
                  TransactionAborted);
  CHECK(undone);
  CHECK(itemNames(db).empty());
  db.write([](Tx& tx) { tx.exec("INSERT INTO items (name) VALUES ('fine')"); });
  CHECK(itemNames(db) == std::vector<std::string>{"fine"});
}
