// Cluster locks (one holder per job name across the instances of a deployment) and the outbox
// dispatcher that uses one per module outbox. PostgreSQL cases skip without BX_PG_ADMIN_URL
// (scripts/test-scaleout.sh runs them against a private cluster).
#include "boxoffice/kernel/cluster_lock.hpp"

#include <algorithm>
#include <chrono>
#include <doctest/doctest.h>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/outbox_dispatcher.hpp"
#include "kernel_test_support.hpp"
#include "postgres_scratch.hpp"
#include "support/eventually.hpp"

using namespace boxoffice;
using namespace std::chrono_literals;
using test_support::eventually;

namespace {

// Records what one instance's dispatcher hands to its transport.
struct RecordingBus final : MessageBus {
  std::mutex mutex;
  std::vector<std::string> ids;
  using MessageBus::subscribe;
  void subscribe(std::string_view, std::string, Database&, MessageHandler, std::vector<std::string>) override {}
  void publish(const Envelope& message) override { publishBatch(std::span<const Envelope>(&message, 1)); }
  void publishBatch(std::span<const Envelope> messages) override {
    std::lock_guard lock(mutex);
    for (const auto& m : messages) ids.push_back(m.messageId);
  }
  DeliveryCounts deliverTo(std::string_view, std::span<const Envelope>) override { return {}; }
  void start() override {}
  void stop() override {}
  std::vector<std::string> published() {
    std::lock_guard lock(mutex);
    return ids;
  }
};

// Ends the sessions named `applicationName`, as a server restart or a network cut would.
int cutSessions(const std::string& url, const std::string& applicationName) {
  return test::ScratchDatabase::run(url,
                                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                                    "current_database() AND application_name = '" +
                                        applicationName + "'");
}

}  // namespace

TEST_CASE("cluster locks: on SQLite every lock is held, always") {
  auto locks = makeLocalClusterLocks();
  CHECK(locks->tryHold("outbox.orders"));
  CHECK(locks->tryHold("outbox.orders"));
  locks->release("outbox.orders");
  CHECK(locks->tryHold("outbox.orders"));
}

TEST_CASE("postgresql: cluster locks: one holder per name, a lost or released lock goes to another instance") {
  auto admin = test::ScratchDatabase::adminUrl();
  if (!admin) {
    MESSAGE("skipped: BX_PG_ADMIN_URL is not set (scripts/postgres-cluster.sh start gives one)");
    return;
  }
  test::ScratchDatabase database(*admin);
  test::CapturedLog log;
  ManualClock clock;
  auto first = makePostgresClusterLocks(
      {.connection = database.url(), .applicationName = "bx-locks-first", .recheckEvery = 1000ms}, clock,
      log.logger("first"));
  auto second = makePostgresClusterLocks(
      {.connection = database.url(), .applicationName = "bx-locks-second", .recheckEvery = 1000ms}, clock,
      log.logger("second"));

  CHECK(first->tryHold("outbox.orders"));
  CHECK(first->tryHold("outbox.orders"));  // held already: still held, not taken twice
  CHECK_FALSE(second->tryHold("outbox.orders"));
  CHECK(second->tryHold("outbox.events"));  // locks are per name
  CHECK_FALSE(first->tryHold("outbox.events"));

  // Released (a graceful stop): the other instance takes it at once.
  first->release("outbox.orders");
  CHECK(second->tryHold("outbox.orders"));
  CHECK_FALSE(first->tryHold("outbox.orders"));
  second->release("outbox.orders");
  REQUIRE(first->tryHold("outbox.orders"));

  // The first instance's session dies: PostgreSQL frees its locks, the second takes them.
  REQUIRE(cutSessions(database.url(), "bx-locks-first") == 1);
  REQUIRE(eventually([&] { return second->tryHold("outbox.orders"); }, 10s));
  // Until its next check the first answers from memory (the documented window)...
  CHECK(first->tryHold("outbox.orders"));
  // ...and once the check is due it finds the session gone, connects again and does not get it.
  clock.advance(1000ms);
  CHECK_FALSE(first->tryHold("outbox.orders"));
  CHECK(log.text().find("lost the session, and with it every lock") != std::string::npos);
  // The new session holds nothing it had: the second still holds outbox.events, the first a new name.
  CHECK_FALSE(first->tryHold("outbox.events"));
  CHECK(first->tryHold("outbox.tickets"));
}

TEST_CASE("postgresql: outbox: two instances' dispatchers publish each row once, in order, and hand over") {
  auto admin = test::ScratchDatabase::adminUrl();
  if (!admin) {
    MESSAGE("skipped: BX_PG_ADMIN_URL is not set (scripts/postgres-cluster.sh start gives one)");
    return;
  }
  test::ScratchDatabase database(*admin);
  test::CapturedLog log;
  ManualClock clock;
  Metrics metrics;
  // Two instances: each its own store of the module (same schema, same outbox), locks, transport.
  auto storeOf = [&](const std::string& instance) {
    Database::Options options;
    options.module = "pub";
    options.postgres = Database::Postgres{.connection = database.url(), .schema = "public"};
    return std::make_unique<Database>(options, log.logger(instance));
  };
  auto storeA = storeOf("a");
  auto storeB = storeOf("b");
  storeA->migrate({});
  auto locksA =
      makePostgresClusterLocks({.connection = database.url(), .applicationName = "bx-locks-a"}, clock, log.logger("a"));
  auto locksB =
      makePostgresClusterLocks({.connection = database.url(), .applicationName = "bx-locks-b"}, clock, log.logger("b"));
  RecordingBus busA;
  RecordingBus busB;
  auto dispatcherA = std::make_unique<OutboxDispatcher>(busA, clock, metrics, log.logger("a"));
  OutboxDispatcher dispatcherB(busB, clock, metrics, log.logger("b"));
  dispatcherA->useClusterLocks(*locksA);
  dispatcherB.useClusterLocks(*locksB);
  dispatcherA->addSource(*storeA);
  dispatcherB.addSource(*storeB);
  dispatcherA->start();
  dispatcherB.start();

  // Both instances commit messages while both dispatchers run passes (each commit wakes its own
  // instance's dispatcher; the clock ends the gather window for both).
  std::vector<std::string> committed;
  for (int round = 0; round < 20; ++round) {
    auto& store = round % 2 == 0 ? *storeA : *storeB;
    store.write([&](Tx& tx) {
      for (int i = 0; i < 10; ++i) committed.push_back(tx.publish("events", "ThingHappened", {{"n", i}}, "corr"));
    });
    clock.advance(20ms);
  }
  auto all = [&] {
    auto a = busA.published();
    auto b = busB.published();
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  REQUIRE(eventually([&] {
    clock.advance(20ms);
    return all().size() >= committed.size() && dispatcherA->pending() == 0;
  }));
  // One instance published the outbox, every row once, in commit order; the other nothing.
  auto a = busA.published();
  auto b = busB.published();
  CHECK((a.empty() || b.empty()));
  CHECK((a.empty() ? b : a) == committed);

  // The holder stops (a rolling restart): the other instance takes the outbox over on its next
  // poll and publishes what is committed afterwards, and nothing twice.
  bool aHeld = !a.empty();
  auto& survivorBus = aHeld ? busB : busA;
  auto& survivorStore = aHeld ? *storeB : *storeA;
  auto before = survivorBus.published().size();
  if (aHeld) {
    dispatcherA->stop();
  } else {
    dispatcherB.stop();
  }
  std::vector<std::string> later;
  survivorStore.write([&](Tx& tx) {
    for (int i = 0; i < 5; ++i) later.push_back(tx.publish("events", "ThingHappened", {{"n", i}}, "corr"));
  });
  REQUIRE(eventually([&] {
    clock.advance(600ms);  // past the dispatcher's poll
    return survivorBus.published().size() >= before + later.size();
  }));
  auto taken = survivorBus.published();
  CHECK(std::vector<std::string>(taken.begin() + static_cast<std::ptrdiff_t>(before), taken.end()) == later);
  auto everything = all();
  CHECK(std::set<std::string>(everything.begin(), everything.end()).size() == everything.size());
  CHECK(everything.size() == committed.size() + later.size());
  dispatcherA->stop();
  dispatcherB.stop();
}
