// Cluster signals (cluster_signals.hpp): the SQLite no-op and, when BX_PG_ADMIN_URL names a
// PostgreSQL superuser (scripts/postgres-cluster.sh), the LISTEN/NOTIFY implementation against a
// database of its own: committed signals reach the other instance only, rolled-back ones
// nobody, a lost listening connection comes back with a resync.
#include "boxoffice/kernel/cluster_signals.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "boxoffice/kernel/db.hpp"
#include "kernel_test_support.hpp"
#include "postgres_scratch.hpp"

using namespace boxoffice;

namespace {

Database::Options sqliteOptions(const test::TempDir& dir) {
  Database::Options options;
  options.file = dir.path() / "signals.db";
  options.module = "signals";
  return options;
}

// What one subscriber heard, waited for with a bound (delivery goes through PostgreSQL).
struct Heard {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> payloads;
  int resyncs = 0;

  ClusterSignals::Callback callback() {
    return [this](const ClusterSignal& signal) {
      std::lock_guard lock(mutex);
      if (signal.resync) {
        ++resyncs;
      } else {
        payloads.emplace_back(signal.payload);
      }
      changed.notify_all();
    };
  }
  bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, bound, done);
  }
};

Database::Options postgresOptions(const test::ScratchDatabase& database) {
  Database::Options options;
  options.module = "signals";
  options.postgres = Database::Postgres{.connection = database.url(), .schema = "public"};
  return options;
}

PostgresClusterSignalsOptions signalOptions(const test::ScratchDatabase& database, std::string instance) {
  return {.connection = database.url(),
          .instanceId = std::move(instance),
          .reconnectDelay = std::chrono::milliseconds(20),
          .maxReconnectDelay = std::chrono::milliseconds(200)};
}

}  // namespace

TEST_CASE("channel names are checked: lower-case identifiers PostgreSQL needs no quoting for") {
  CHECK(validClusterChannel("inventory_seats"));
  CHECK(validClusterChannel("a1"));
  CHECK_FALSE(validClusterChannel(""));
  CHECK_FALSE(validClusterChannel("1abc"));
  CHECK_FALSE(validClusterChannel("Inventory"));
  CHECK_FALSE(validClusterChannel("seats; DROP TABLE x"));
  CHECK_FALSE(validClusterChannel("a\"b"));
  CHECK_FALSE(validClusterChannel(std::string(49, 'a')));
  CHECK(validClusterChannel(std::string(48, 'a')));
}

TEST_CASE("in-process cluster signals (SQLite) publish nothing and never call back, but check arguments") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(sqliteOptions(dir), log.logger());
  auto signals = makeInProcessClusterSignals();
  int calls = 0;
  auto id = signals->subscribe("seats", [&](const ClusterSignal&) { ++calls; });
  db.write([&](Tx& tx) { signals->publish(tx, "seats", "event-1"); });
  signals->unsubscribe(id);
  CHECK(calls == 0);
  CHECK_THROWS_AS(signals->subscribe("Bad Channel", [](const ClusterSignal&) {}), std::invalid_argument);
  CHECK_THROWS_AS(db.write([&](Tx& tx) { signals->publish(tx, "seats", std::string(4001, 'x')); }),
                  std::invalid_argument);
}

TEST_CASE("postgresql: cluster signals: committed signals reach the other instance, not the publisher") {
  auto admin = test::ScratchDatabase::adminUrl();
  if (!admin) {
    MESSAGE("skipped: BX_PG_ADMIN_URL is not set (scripts/postgres-cluster.sh start gives one)");
    return;
  }
  test::ScratchDatabase database(*admin);
  test::CapturedLog log;
  Database db(postgresOptions(database), log.logger());
  // Declared before the signals, which are destroyed first: their threads call into these.
  Heard own;
  Heard other;
  Heard elsewhere;
  auto publisher = makePostgresClusterSignals(signalOptions(database, "instance-a"), log.logger());
  auto follower = makePostgresClusterSignals(signalOptions(database, "instance-b"), log.logger());
  publisher->subscribe("seats", own.callback());
  follower->subscribe("seats", other.callback());
  follower->subscribe("orders", elsewhere.callback());
  // Each subscriber first hears a resync, once its LISTEN is in place.
  REQUIRE(own.waitFor([&] { return own.resyncs == 1; }));
  REQUIRE(other.waitFor([&] { return other.resyncs == 1; }));
  REQUIRE(elsewhere.waitFor([&] { return elsewhere.resyncs == 1; }));

  CHECK_THROWS(db.write([&](Tx& tx) {
    publisher->publish(tx, "seats", "rolled-back");
    throw std::runtime_error("abandon the write");
  }));
  db.write([&](Tx& tx) {
    publisher->publish(tx, "seats", "event-1");
    publisher->publish(tx, "seats", "event-2");
  });
  REQUIRE(other.waitFor([&] { return other.payloads.size() >= 2; }));
  // A later commit's signal arrives after the earlier ones: anything still in flight from the
  // rolled-back write would have come first.
  db.write([&](Tx& tx) { publisher->publish(tx, "seats", "event-3"); });
  REQUIRE(other.waitFor([&] { return other.payloads.size() >= 3; }));
  {
    std::lock_guard lock(other.mutex);
    CHECK(other.payloads == std::vector<std::string>{"event-1", "event-2", "event-3"});
  }
  std::lock_guard ownLock(own.mutex);
  CHECK(own.payloads.empty());  // the publisher knows what it changed
  std::lock_guard elsewhereLock(elsewhere.mutex);
  CHECK(elsewhere.payloads.empty());  // another channel
}

TEST_CASE("postgresql: cluster signals: a lost listening connection comes back with a resync, and unsubscribe stops") {
  auto admin = test::ScratchDatabase::adminUrl();
  if (!admin) {
    MESSAGE("skipped: BX_PG_ADMIN_URL is not set (scripts/postgres-cluster.sh start gives one)");
    return;
  }
  test::ScratchDatabase database(*admin);
  test::CapturedLog log;
  Database db(postgresOptions(database), log.logger());
  // Declared before the signals, which are destroyed first: their threads call into these.
  Heard heard;
  Heard second;
  Heard publisherReady;
  auto publisher = makePostgresClusterSignals(signalOptions(database, "instance-a"), log.logger());
  auto follower = makePostgresClusterSignals(signalOptions(database, "instance-b"), log.logger());
  auto id = follower->subscribe("seats", heard.callback());
  REQUIRE(heard.waitFor([&] { return heard.resyncs == 1; }));
  // Its resync says the publisher's listening session is up too.
  publisher->subscribe("unused", publisherReady.callback());
  REQUIRE(publisherReady.waitFor([&] { return publisherReady.resyncs == 1; }));

  // End every listening session of this database (what a PostgreSQL restart or a network cut does).
  auto terminated = test::ScratchDatabase::run(
      database.url(),
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
      "AND application_name = 'boxoffice-cluster-signals'");
  CHECK(terminated == 2);
  REQUIRE(heard.waitFor([&] { return heard.resyncs == 2; }));
  // The writer's own session was untouched; the listener hears signals again.
  db.write([&](Tx& tx) { publisher->publish(tx, "seats", "after-reconnect"); });
  REQUIRE(heard.waitFor([&] { return !heard.payloads.empty(); }));
  {
    std::lock_guard lock(heard.mutex);
    CHECK(heard.payloads == std::vector<std::string>{"after-reconnect"});
  }
  CHECK(log.text().find("lost the listening connection") != std::string::npos);

  follower->unsubscribe(id);
  db.write([&](Tx& tx) { publisher->publish(tx, "seats", "after-unsubscribe"); });
  // A second subscriber on the same channel hears it: proof it was delivered; the first did not.
  // (It may also hear "after-unsubscribe" if that was still on the way: signals are hints.)
  follower->subscribe("seats", second.callback());
  REQUIRE(second.waitFor([&] { return second.resyncs == 1; }));
  db.write([&](Tx& tx) { publisher->publish(tx, "seats", "for-second"); });
  REQUIRE(second.waitFor([&] { return !second.payloads.empty() && second.payloads.back() == "for-second"; }));
  std::lock_guard lock(heard.mutex);
  CHECK(heard.payloads == std::vector<std::string>{"after-reconnect"});
}
