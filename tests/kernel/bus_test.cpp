// The in-process bus with outbox and inbox: exactly-once handling per subscriber despite
// duplicate delivery, retries with backoff, dead letters and replay, and delivery of what an
// outbox holds after a restart. Retries run on a ManualClock: the tests move time, they do not
// wait for backoff to pass; they only poll (in real time) for the inbox's thread to catch up.
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <doctest/doctest.h>
#include <functional>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/in_process_bus.hpp"
#include "boxoffice/kernel/inbox.hpp"
#include "boxoffice/kernel/outbox_dispatcher.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"
#include "kernel_test_support.hpp"
#include "support/eventually.hpp"

using namespace boxoffice;
using namespace std::chrono_literals;

namespace {
constexpr Migration kHandled{"sub", "0001_handled.sql", "CREATE TABLE handled (message_id TEXT NOT NULL);"};

// Waits (real time) for `condition`: the inboxes work on their own threads.
using test_support::eventually;

// Moves the clock by `by`, then waits for `condition`. A worker that read the clock just before
// the move may still wait for the old deadline: then time moves by `by` once more.
bool advanceUntil(ManualClock& clock, std::chrono::milliseconds by, const std::function<bool()>& condition) {
  for (int i = 0; i < 3; ++i) {
    clock.advance(by);
    if (eventually(condition, 2s)) return true;
  }
  return false;
}

Envelope message(std::string topic = "events", std::string type = "ThingHappened") {
  Envelope e;
  e.messageId = newUuid();
  e.occurredAt = formatRfc3339(std::chrono::system_clock::now());
  e.topic = std::move(topic);
  e.type = std::move(type);
  e.correlationId = "corr-" + e.messageId.substr(0, 8);
  e.causationId = e.correlationId;
  e.payload = {{"n", 1}};
  return e;
}

int count(Database& db, const std::string& sql) {
  return db.read([&](soci::session& s) {
    int n = 0;
    s << sql, soci::into(n);
    return n;
  });
}

std::string inboxStatus(Database& db, const std::string& messageId) {
  return db.read([&](soci::session& s) {
    std::string status;
    s << "SELECT status FROM inbox WHERE message_id = :m", soci::use(messageId), soci::into(status);
    return status;
  });
}

struct InboxRow {
  int attempts = 0;
  std::int64_t nextAttemptMs = 0;
};
InboxRow inboxRow(Database& db, const std::string& messageId) {
  return db.read([&](soci::session& s) {
    InboxRow row;
    s << "SELECT attempts, next_attempt_ms FROM inbox WHERE message_id = :m", soci::use(messageId),
        soci::into(row.attempts), soci::into(row.nextAttemptMs);
    return row;
  });
}

RetryPolicy fastRetries(int maxAttempts) { return {maxAttempts, 10ms, 40ms}; }

// A subscriber database, migrated, with a table the handler writes to.
struct Fixture {
  test::TempDir dir;
  test::CapturedLog log;
  Metrics metrics;
  ManualClock clock;
  Database subscriber{{dir / "sub.db", "sub"}, log.logger("sub")};
  Fixture() { subscriber.migrate(std::vector<Migration>{kHandled}); }
  MessageHandler recordingHandler(std::atomic<int>& calls) {
    return [&calls](const Envelope& m, Tx& tx) {
      ++calls;
      tx.sql() << "INSERT INTO handled (message_id) VALUES (:m)", soci::use(m.messageId);
    };
  }
};

// The receiving side (inboxes) and the in-process transport, as the application wires them.
struct TestBus {
  Inboxes inboxes;
  InProcessBus bus;
  TestBus(RetryPolicy retry, const Clock& clock, Metrics& metrics, const test::CapturedLog& log,
          int batchSize = kDefaultInboxBatch)
      : inboxes(retry, clock, metrics, log.logger("bus"), batchSize), bus(inboxes, metrics) {}
  TestBus(Fixture& f, RetryPolicy retry, int batchSize = kDefaultInboxBatch)
      : TestBus(retry, f.clock, f.metrics, f.log, batchSize) {}
  // Markers on the payments topic let settle() tell when the subscriber has caught up.
  void subscribeMarkers(Database& store) {
    bus.subscribe(topics::payments, "sub", store, [](const Envelope&, Tx&) {});
  }
  void start() {
    inboxes.start();
    bus.start();
  }
  void stop() {
    bus.stop();
    inboxes.stop();
  }
  std::vector<DeadLetter> deadLetters() { return inboxes.list(0, 100).items; }
  // Publishes a marker and waits until "sub" has handled it: one thread handles an inbox in
  // arrival order, so whatever was due before it has been handled by then.
  bool settle(Database& store) {
    auto marker = message(std::string(topics::payments), "Marker");
    bus.publish(marker);
    return eventually([&] { return inboxStatus(store, marker.messageId) == "done"; });
  }
};
}  // namespace

TEST_CASE("bus: retry delays double from the base up to the cap") {
  RetryPolicy policy{5, 500ms, 3000ms};
  CHECK(policy.delayAfter(1) == 500ms);
  CHECK(policy.delayAfter(2) == 1000ms);
  CHECK(policy.delayAfter(3) == 2000ms);
  CHECK(policy.delayAfter(4) == 3000ms);
  CHECK(policy.delayAfter(20) == 3000ms);
}

TEST_CASE("bus: a message published twice is handled once") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(calls));
  bus.subscribeMarkers(f.subscriber);
  bus.start();
  auto m = message();
  bus.bus.publish(m);
  bus.bus.publish(m);  // at-least-once delivery: the dispatcher may repeat itself after a crash
  REQUIRE(eventually([&] { return inboxStatus(f.subscriber, m.messageId) == "done"; }));
  bus.bus.publish(m);  // and once more after it was handled
  REQUIRE(bus.settle(f.subscriber));
  CHECK(calls.load() == 1);
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM handled") == 1);
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox WHERE topic = 'events'") == 1);
  bus.stop();
}

TEST_CASE("bus: only subscribers of the topic receive a message") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::tickets, "sub", f.subscriber, f.recordingHandler(calls));
  bus.subscribeMarkers(f.subscriber);
  bus.start();
  auto other = message("events");
  auto mine = message("tickets");
  bus.bus.publish(other);
  bus.bus.publish(mine);
  REQUIRE(bus.settle(f.subscriber));
  CHECK(calls.load() == 1);
  CHECK(inboxStatus(f.subscriber, mine.messageId) == "done");
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox WHERE topic <> 'payments'") == 1);
  bus.stop();
}

TEST_CASE("bus: a subscription's types keep other messages out of its inbox") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::tickets, "sub", f.subscriber, f.recordingHandler(calls), {"SeatsReturned"});
  bus.subscribeMarkers(f.subscriber);
  bus.start();
  auto wanted = message("tickets", "SeatsReturned");
  auto unwanted = message("tickets", "TicketsReserved");
  bus.bus.publishBatch(std::vector<Envelope>{unwanted, wanted});
  REQUIRE(bus.settle(f.subscriber));
  CHECK(calls.load() == 1);
  CHECK(inboxStatus(f.subscriber, wanted.messageId) == "done");
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox WHERE topic = 'tickets'") == 1);
  // A replay to the subscriber is filtered the same way.
  auto replay = std::vector<Envelope>{message("tickets", "TicketsReserved"), message("tickets", "SeatsReturned")};
  auto counts = bus.bus.deliverTo("sub", replay);
  CHECK(counts.notSubscribed == 1);
  CHECK(counts.delivered == 1);
  bus.stop();
}

TEST_CASE("bus: two subscriptions of one subscriber to a topic store the union of their types") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> first{0}, second{0};
  bus.bus.subscribe(topics::tickets, "sub", f.subscriber, [&](const Envelope&, Tx&) { ++first; }, {"A"});
  bus.bus.subscribe(topics::tickets, "sub", f.subscriber, [&](const Envelope&, Tx&) { ++second; }, {"B"});
  bus.subscribeMarkers(f.subscriber);
  bus.start();
  bus.bus.publishBatch(
      std::vector<Envelope>{message("tickets", "A"), message("tickets", "B"), message("tickets", "C")});
  REQUIRE(bus.settle(f.subscriber));
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox WHERE topic = 'tickets'") == 2);
  CHECK(first.load() == 2);  // each handler of the topic sees every stored message
  CHECK(second.load() == 2);
  bus.stop();
}

TEST_CASE("bus: two subscribers each handle the message once") {
  Fixture f;
  Database second({f.dir / "second.db", "second"}, f.log.logger("second"));
  second.migrate(std::vector<Migration>{{"second", "0001_handled.sql", kHandled.sql}});
  TestBus bus(f, fastRetries(3));
  std::atomic<int> first{0}, other{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(first));
  bus.bus.subscribe(topics::events, "second", second, f.recordingHandler(other));
  bus.start();
  bus.bus.publish(message());
  REQUIRE(eventually([&] { return first.load() == 1 && other.load() == 1; }));
  bus.stop();
}

TEST_CASE("bus: two handlers of one subscriber and topic share one inbox row") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> first{0}, second{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope&, Tx&) { ++first; });
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope&, Tx&) { ++second; });
  bus.start();
  auto m = message();
  bus.bus.publish(m);
  REQUIRE(eventually([&] { return inboxStatus(f.subscriber, m.messageId) == "done"; }));
  CHECK(first.load() == 1);
  CHECK(second.load() == 1);
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox") == 1);
  bus.stop();
}

TEST_CASE("bus: a handler that keeps failing is retried, then dead-lettered") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope&, Tx& tx) {
    ++calls;
    tx.sql() << "INSERT INTO handled (message_id) VALUES ('partial work')";
    throw std::runtime_error("downstream unavailable");
  });
  bus.subscribeMarkers(f.subscriber);
  bus.start();
  auto m = message();
  bus.bus.publish(m);
  REQUIRE(eventually([&] { return inboxRow(f.subscriber, m.messageId).attempts == 1; }));
  REQUIRE(advanceUntil(f.clock, 10ms, [&] { return inboxRow(f.subscriber, m.messageId).attempts == 2; }));
  REQUIRE(advanceUntil(f.clock, 20ms, [&] { return bus.deadLetters().size() == 1; }));
  f.clock.advance(1h);  // no further attempts after the dead letter, however long we wait
  REQUIRE(bus.settle(f.subscriber));
  CHECK(calls.load() == 3);
  auto dead = bus.deadLetters().at(0);
  CHECK(dead.messageId == m.messageId);
  CHECK(dead.subscriber == "sub");
  CHECK(dead.topic == "events");
  CHECK(dead.type == "ThingHappened");
  CHECK(dead.attempts == 3);
  CHECK(dead.error.find("downstream unavailable") != std::string::npos);
  CHECK_FALSE(dead.replayedAt.has_value());
  CHECK(isUuid(dead.id));
  CHECK(inboxStatus(f.subscriber, m.messageId) == "dead");
  // Each failed attempt rolled back its own writes.
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM handled") == 0);
  auto metrics = f.metrics.render();
  CAPTURE(metrics);
  CHECK(metrics.find("bus_messages_retried_total{subscriber=\"sub\",type=\"ThingHappened\"} 2") != std::string::npos);
  CHECK(metrics.find("bus_messages_dead_lettered_total{subscriber=\"sub\",type=\"ThingHappened\"} 1") !=
        std::string::npos);
  bus.stop();
}

TEST_CASE("bus: an inbox row that cannot be read is dead-lettered at once and does not block the rest") {
  Fixture f;
  TestBus bus(f, fastRetries(5));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(calls));
  bus.subscribeMarkers(f.subscriber);
  // A row as another version of the binary (or a damaged disk) might leave it: "version" is text.
  f.subscriber.write([](Tx& tx) {
    tx.exec(
        "INSERT INTO inbox (subscriber, message_id, topic, type, envelope, status, attempts, next_attempt_ms, "
        "received_at) VALUES ('sub', 'poison-1', 'events', 'ThingHappened', "
        "'{\"messageId\":\"poison-1\",\"version\":\"1\"}', 'pending', 0, 0, '2026-01-01T00:00:00Z')");
  });
  bus.start();
  auto m = message();
  bus.bus.publish(m);
  REQUIRE(eventually([&] { return inboxStatus(f.subscriber, m.messageId) == "done"; }));
  CHECK(calls.load() == 1);
  CHECK(inboxStatus(f.subscriber, "poison-1") == "dead");
  auto dead = bus.deadLetters();
  REQUIRE(dead.size() == 1);
  CHECK(dead.at(0).messageId == "poison-1");
  CHECK(dead.at(0).type == "ThingHappened");
  CHECK(dead.at(0).attempts == 1);
  CHECK(dead.at(0).error.find("unreadable envelope") != std::string::npos);
  bus.stop();
}

TEST_CASE("bus: a handler that fails twice then succeeds is delivered, not dead") {
  Fixture f;
  TestBus bus(f, fastRetries(5));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope& m, Tx& tx) {
    if (++calls < 3) throw std::runtime_error("flaky");
    tx.sql() << "INSERT INTO handled (message_id) VALUES (:m)", soci::use(m.messageId);
  });
  bus.start();
  auto m = message();
  bus.bus.publish(m);
  REQUIRE(eventually([&] { return inboxRow(f.subscriber, m.messageId).attempts == 1; }));
  REQUIRE(advanceUntil(f.clock, 10ms, [&] { return inboxRow(f.subscriber, m.messageId).attempts == 2; }));
  REQUIRE(advanceUntil(f.clock, 20ms, [&] { return inboxStatus(f.subscriber, m.messageId) == "done"; }));
  CHECK(calls.load() == 3);
  CHECK(bus.deadLetters().empty());
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM handled") == 1);
  bus.stop();
}

TEST_CASE("bus: retries wait (backoff) on the clock, they are not a hot loop") {
  Fixture f;
  TestBus bus(f, {3, 300ms, 1000ms});
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope&, Tx&) {
    ++calls;
    throw std::runtime_error("no");
  });
  bus.subscribeMarkers(f.subscriber);
  bus.start();
  auto m = message();
  bus.bus.publish(m);
  REQUIRE(eventually([&] { return inboxRow(f.subscriber, m.messageId).attempts == 1; }));
  // 300 ms after the first failure, in the clock's time.
  CHECK(inboxRow(f.subscriber, m.messageId).nextAttemptMs == f.clock.nowMillis() + 300);
  f.clock.advance(299ms);
  REQUIRE(bus.settle(f.subscriber));  // the worker ran, and found nothing due yet
  CHECK(calls.load() == 1);
  REQUIRE(advanceUntil(f.clock, 1ms, [&] { return inboxRow(f.subscriber, m.messageId).attempts == 2; }));
  // 600 ms after the second.
  CHECK(inboxRow(f.subscriber, m.messageId).nextAttemptMs == f.clock.nowMillis() + 600);
  REQUIRE(advanceUntil(f.clock, 600ms, [&] { return bus.deadLetters().size() == 1; }));
  CHECK(calls.load() == 3);
  bus.stop();
}

TEST_CASE("bus: a dead letter can be replayed once") {
  Fixture f;
  TestBus bus(f, fastRetries(2));
  std::atomic<bool> healthy{false};
  std::atomic<int> handled{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope&, Tx&) {
    if (!healthy) throw std::runtime_error("broken");
    ++handled;
  });
  bus.subscribeMarkers(f.subscriber);
  bus.start();
  auto m = message();
  bus.bus.publish(m);
  REQUIRE(eventually([&] { return inboxRow(f.subscriber, m.messageId).attempts == 1; }));
  REQUIRE(advanceUntil(f.clock, 10ms, [&] { return bus.deadLetters().size() == 1; }));
  auto id = bus.deadLetters().at(0).id;

  healthy = true;
  DeadLetterAdmin& admin = bus.inboxes;
  CHECK(admin.replay(id));
  REQUIRE(eventually([&] { return handled.load() == 1; }));
  CHECK(eventually([&] { return inboxStatus(f.subscriber, m.messageId) == "done"; }));
  auto after = admin.list(0, 20);
  REQUIRE(after.items.size() == 1);
  CHECK(after.totalItems == 1);
  CHECK(after.items[0].replayedAt.has_value());

  bool conflict = false;
  try {
    admin.replay(id);
  } catch (const Problem& p) {
    conflict = p.status() == 409;
  }
  CHECK(conflict);
  CHECK_FALSE(admin.replay(newUuid()));  // unknown id
  f.clock.advance(1h);
  REQUIRE(bus.settle(f.subscriber));
  CHECK(handled.load() == 1);
  bus.stop();
}

TEST_CASE("bus: dead letters of every subscriber are listed newest first, a page at a time") {
  Fixture f;
  Database second({f.dir / "second.db", "second"}, f.log.logger("second"));
  second.migrate({});
  TestBus bus(f, fastRetries(1));
  auto failing = [](const Envelope&, Tx&) { throw std::runtime_error("no"); };
  bus.bus.subscribe(topics::events, "sub", f.subscriber, failing);
  bus.bus.subscribe(topics::tickets, "second", second, failing);
  bus.start();
  auto older = message("events");
  bus.bus.publish(older);
  REQUIRE(eventually([&] { return bus.deadLetters().size() == 1; }));
  f.clock.advance(1s);  // dead letters are ordered by the time they died, in the clock's time
  auto newer = message("tickets");
  bus.bus.publish(newer);
  REQUIRE(eventually([&] { return bus.deadLetters().size() == 2; }));
  auto first = bus.inboxes.list(0, 1);
  CHECK(first.totalItems == 2);
  REQUIRE(first.items.size() == 1);
  CHECK(first.items[0].messageId == newer.messageId);
  CHECK(first.items[0].subscriber == "second");
  auto second2 = bus.inboxes.list(1, 1);
  REQUIRE(second2.items.size() == 1);
  CHECK(second2.items[0].messageId == older.messageId);
  CHECK(bus.inboxes.list(2, 1).items.empty());
  bus.stop();
}

TEST_CASE("bus: the outbox dispatcher delivers committed messages with their envelope") {
  // Nothing here depends on time: the dispatcher's gather window passes in real time.
  SystemClock clock;
  Fixture f;
  Database publisher({f.dir / "pub.db", "pub"}, f.log.logger("pub"));
  publisher.migrate({});
  TestBus bus(fastRetries(3), clock, f.metrics, f.log);
  std::mutex mutex;
  std::vector<Envelope> received;
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope& m, Tx&) {
    std::lock_guard lock(mutex);
    received.push_back(m);
  });
  OutboxDispatcher dispatcher(bus.bus, clock, f.metrics, f.log.logger("outbox"));
  dispatcher.addSource(publisher);
  bus.start();
  dispatcher.start();

  auto id = publisher.write([](Tx& tx) {
    return tx.publish(topics::events, "EventPublished", {{"eventId", "e-1"}}, "request-42");
  });
  REQUIRE(eventually([&] {
    std::lock_guard lock(mutex);
    return received.size() == 1;
  }));
  {
    std::lock_guard lock(mutex);
    const auto& got = received.at(0);
    CHECK(got.messageId == id);
    CHECK(got.topic == "events");
    CHECK(got.type == "EventPublished");
    CHECK(got.version == 1);
    CHECK(got.correlationId == "request-42");
    CHECK(got.payload.at("eventId").as_string() == "e-1");
    CHECK(parseRfc3339(got.occurredAt).has_value());
  }
  CHECK(eventually([&] { return count(publisher, "SELECT COUNT(*) FROM outbox WHERE dispatched_at IS NULL") == 0; }));
  CHECK(dispatcher.pending() == 0);
  dispatcher.stop();
  bus.stop();
}

TEST_CASE("bus: stopping the dispatcher delivers what was committed before") {
  SystemClock clock;
  Fixture f;
  Database publisher({f.dir / "pub.db", "pub"}, f.log.logger("pub"));
  publisher.migrate({});
  TestBus bus(fastRetries(3), clock, f.metrics, f.log);
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [](const Envelope&, Tx&) {});
  OutboxDispatcher dispatcher(bus.bus, clock, f.metrics, f.log.logger("outbox"));
  dispatcher.addSource(publisher);
  dispatcher.start();
  for (int i = 0; i < 50; ++i) {
    publisher.write([](Tx& tx) { tx.publish(topics::events, "Committed", {}, "c-1"); });
  }
  dispatcher.stop();  // at once: most of the 50 are still in the gather window
  CHECK(count(publisher, "SELECT COUNT(*) FROM outbox WHERE dispatched_at IS NULL") == 0);
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox WHERE status = 'pending'") == 50);
}

TEST_CASE("bus: messages left in an outbox by a crash are delivered on the next start") {
  test::TempDir dir;
  test::CapturedLog log;
  SystemClock clock;
  std::string id;
  {
    // "Before the crash": the state change and its message commit, but nothing dispatches them.
    Database publisher({dir / "pub.db", "pub"}, log.logger("pub"));
    publisher.migrate({});
    id = publisher.write([](Tx& tx) { return tx.publish(topics::events, "Committed", {}, "c-1"); });
    CHECK(count(publisher, "SELECT COUNT(*) FROM outbox WHERE dispatched_at IS NULL") == 1);
  }
  // "After the restart": fresh objects over the same files.
  Metrics metrics;
  Database publisher({dir / "pub.db", "pub"}, log.logger("pub"));
  publisher.migrate({});
  Database subscriber({dir / "sub.db", "sub"}, log.logger("sub"));
  subscriber.migrate({});
  TestBus bus(fastRetries(3), clock, metrics, log);
  std::atomic<int> calls{0};
  std::string seen;
  bus.bus.subscribe(topics::events, "sub", subscriber, [&](const Envelope& m, Tx&) {
    seen = m.messageId;
    ++calls;
  });
  OutboxDispatcher dispatcher(bus.bus, clock, metrics, log.logger("outbox"));
  dispatcher.addSource(publisher);
  bus.start();
  dispatcher.start();
  REQUIRE(eventually([&] { return calls.load() == 1; }));
  CHECK(seen == id);
  CHECK(eventually([&] { return count(publisher, "SELECT COUNT(*) FROM outbox WHERE dispatched_at IS NULL") == 0; }));
  dispatcher.stop();
  bus.stop();
}

TEST_CASE("bus: a message published while handling another names it as its cause") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [](const Envelope& m, Tx& tx) {
    tx.publish(topics::notifications, "Reaction", {}, m.correlationId);
  });
  bus.start();
  auto m = message();
  bus.bus.publish(m);
  REQUIRE(eventually([&] { return count(f.subscriber, "SELECT COUNT(*) FROM outbox") == 1; }));
  f.subscriber.read([&](soci::session& s) {
    std::string correlation, causation;
    s << "SELECT correlation_id, causation_id FROM outbox", soci::into(correlation), soci::into(causation);
    CHECK(correlation == m.correlationId);
    CHECK(causation == m.messageId);
  });
  bus.stop();
}

TEST_CASE("bus: stopping the inboxes handles what is due first") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(calls));
  bus.start();
  std::vector<Envelope> sent;
  for (int i = 0; i < 20; ++i) {
    sent.push_back(message());
    bus.bus.publish(sent.back());
  }
  bus.stop();  // at once: the worker may not have seen them yet
  CHECK(calls.load() == 20);
  for (const auto& m : sent) CHECK(inboxStatus(f.subscriber, m.messageId) == "done");
}

TEST_CASE("bus: a message queued before stop is handled after the next start") {
  test::TempDir dir;
  test::CapturedLog log;
  Metrics metrics;
  ManualClock clock;
  auto m = message();
  {
    Database subscriber({dir / "sub.db", "sub"}, log.logger("sub"));
    subscriber.migrate({});
    TestBus bus(fastRetries(3), clock, metrics, log);
    bus.bus.subscribe(topics::events, "sub", subscriber, [](const Envelope&, Tx&) {});
    // Not started: publish only queues it durably in the inbox.
    bus.bus.publish(m);
    CHECK(inboxStatus(subscriber, m.messageId) == "pending");
  }
  Database subscriber({dir / "sub.db", "sub"}, log.logger("sub"));
  subscriber.migrate({});
  TestBus bus(fastRetries(3), clock, metrics, log);
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", subscriber, [&](const Envelope&, Tx&) { ++calls; });
  bus.start();
  REQUIRE(eventually([&] { return calls.load() == 1; }));
  // The handler runs inside the transaction that marks the row done: wait for the commit.
  CHECK(eventually([&] { return inboxStatus(subscriber, m.messageId) == "done"; }));
  bus.stop();
}

TEST_CASE("bus: envelope JSON round-trip keeps every field") {
  auto m = message();
  m.version = 3;
  m.causationId = "cause";
  auto back = Envelope::fromJson(m.toJson());
  CHECK(back.messageId == m.messageId);
  CHECK(back.occurredAt == m.occurredAt);
  CHECK(back.topic == m.topic);
  CHECK(back.type == m.type);
  CHECK(back.version == 3);
  CHECK(back.correlationId == m.correlationId);
  CHECK(back.causationId == "cause");
  CHECK(back.payload == m.payload);
}

namespace {
// Rows of `handled` that are committed, as another connection sees them: inside one batch
// transaction no handler sees the rows the batch's other handlers wrote.
int committedHandled(Database& db) { return count(db, "SELECT COUNT(*) FROM handled"); }

std::vector<Envelope> messages(int n) {
  std::vector<Envelope> out;
  for (int i = 0; i < n; ++i) {
    auto m = message();
    m.payload = {{"n", i}};
    out.push_back(std::move(m));
  }
  return out;
}

int numberOf(const Envelope& m) { return static_cast<int>(m.payload.at("n").as_int64()); }
}  // namespace

TEST_CASE("bus: a batch is handled in one transaction, a handler that throws rolls back only its own message") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::vector<std::string> memory;  // in-memory state the handlers keep, as a module's engine does
  std::vector<int> seenCommitted;
  std::atomic<int> thrown{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope& m, Tx& tx) {
    int n = numberOf(m);
    seenCommitted.push_back(committedHandled(f.subscriber));
    tx.sql() << "INSERT INTO handled (message_id) VALUES (:m)", soci::use(m.messageId);
    memory.push_back("applied " + std::to_string(n));
    tx.onRollback([&memory, n] { memory.push_back("undone " + std::to_string(n)); });
    tx.afterCommit([&memory, n] { memory.push_back("published " + std::to_string(n)); });
    if (n == 2 && thrown++ == 0) throw std::runtime_error("seat map busy");
  });
  bus.subscribeMarkers(f.subscriber);
  auto batch = messages(5);
  bus.bus.publishBatch(batch);  // queued before the worker starts: it finds all five due at once
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox") == 5);
  bus.start();
  REQUIRE(eventually([&] { return inboxRow(f.subscriber, batch[2].messageId).attempts == 1; }));
  for (int i : {0, 1, 3, 4}) CHECK(inboxStatus(f.subscriber, batch[static_cast<std::size_t>(i)].messageId) == "done");
  CHECK(inboxStatus(f.subscriber, batch[2].messageId) == "pending");
  CHECK(inboxRow(f.subscriber, batch[2].messageId).nextAttemptMs == f.clock.nowMillis() + 10);
  CHECK(committedHandled(f.subscriber) == 4);  // the thrower's row was rolled back with its savepoint

  // The retry, once due, succeeds.
  REQUIRE(advanceUntil(f.clock, 10ms, [&] { return inboxStatus(f.subscriber, batch[2].messageId) == "done"; }));
  bus.stop();
  CHECK(inboxRow(f.subscriber, batch[2].messageId).attempts == 2);
  CHECK(committedHandled(f.subscriber) == 5);
  // One transaction: no handler of the batch saw another's row committed (the retry saw four).
  CHECK(seenCommitted == std::vector<int>{0, 0, 0, 0, 0, 4});
  // The thrower's onRollback ran as its savepoint rolled back; its afterCommit never ran.
  CHECK(memory == std::vector<std::string>{"applied 0", "applied 1", "applied 2", "undone 2", "applied 3", "applied 4",
                                           "published 0", "published 1", "published 3", "published 4", "applied 2",
                                           "published 2"});
}

TEST_CASE("bus: a message out of attempts is dead-lettered inside its batch, the others commit") {
  Fixture f;
  TestBus bus(f, fastRetries(1));
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope& m, Tx& tx) {
    tx.sql() << "INSERT INTO handled (message_id) VALUES (:m)", soci::use(m.messageId);
    if (numberOf(m) == 1) throw std::runtime_error("never works");
  });
  auto batch = messages(3);
  bus.bus.publishBatch(batch);
  bus.start();
  REQUIRE(eventually([&] { return bus.deadLetters().size() == 1; }));
  bus.stop();
  auto dead = bus.deadLetters().at(0);
  CHECK(dead.messageId == batch[1].messageId);
  CHECK(dead.attempts == 1);
  CHECK(dead.error == "never works");
  CHECK(inboxStatus(f.subscriber, batch[0].messageId) == "done");
  CHECK(inboxStatus(f.subscriber, batch[1].messageId) == "dead");
  CHECK(inboxStatus(f.subscriber, batch[2].messageId) == "done");
  CHECK(committedHandled(f.subscriber) == 2);
}

TEST_CASE("bus: a message delivered twice in one batch is stored and handled once") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(calls));
  bus.subscribeMarkers(f.subscriber);
  auto m = message();
  auto other = message();
  std::vector<Envelope> batch{m, other, m};
  bus.bus.publishBatch(batch);
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox") == 2);
  bus.start();
  REQUIRE(eventually([&] { return inboxStatus(f.subscriber, other.messageId) == "done"; }));
  bus.bus.publishBatch(batch);  // redelivered after it was handled
  REQUIRE(bus.settle(f.subscriber));
  bus.stop();
  CHECK(calls.load() == 2);
  CHECK(committedHandled(f.subscriber) == 2);
}

TEST_CASE("bus: messages are handled in arrival order across batches and subscribers") {
  Fixture f;
  TestBus bus(f, fastRetries(3), 4);  // 10 messages: three transactions
  std::vector<int> order, otherOrder;
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope& m, Tx&) { order.push_back(numberOf(m)); });
  bus.bus.subscribe(topics::events, "other", f.subscriber,
                    [&](const Envelope& m, Tx&) { otherOrder.push_back(numberOf(m)); });
  auto first = messages(6);
  auto second = messages(4);
  for (std::size_t i = 0; i < second.size(); ++i) second[i].payload = {{"n", static_cast<int>(6 + i)}};
  bus.bus.publishBatch(first);
  bus.start();
  bus.bus.publishBatch(second);
  REQUIRE(eventually([&] { return count(f.subscriber, "SELECT COUNT(*) FROM inbox WHERE status = 'done'") == 20; }));
  bus.stop();
  std::vector<int> expected{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  CHECK(order == expected);
  CHECK(otherOrder == expected);
}

TEST_CASE("bus: a message that breaks its batch's transaction is isolated, the others are handled once") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope& m, Tx& tx) {
    ++calls;
    tx.sql() << "INSERT INTO handled (message_id) VALUES (:m)", soci::use(m.messageId);
    if (numberOf(m) == 1) {
      tx.executeScript("ROLLBACK");  // as SQLite does by itself after some errors (SQLITE_FULL)
      throw std::runtime_error("disk full");
    }
  });
  auto batch = messages(3);
  bus.bus.publishBatch(batch);
  bus.start();
  REQUIRE(eventually([&] { return inboxRow(f.subscriber, batch[1].messageId).attempts == 1; }));
  REQUIRE(eventually([&] { return inboxStatus(f.subscriber, batch[2].messageId) == "done"; }));
  bus.stop();
  CHECK(inboxStatus(f.subscriber, batch[0].messageId) == "done");
  CHECK(inboxStatus(f.subscriber, batch[1].messageId) == "pending");
  CHECK(committedHandled(f.subscriber) == 2);  // written once each, the breaker's not at all
  CHECK(f.log.text().find("handling its messages one at a time") != std::string::npos);
}

TEST_CASE("bus: the dispatcher hands a gathered batch to the bus in one call") {
  Fixture f;
  test::CapturedLog pubLog;
  Database publisher{{f.dir / "pub.db", "pub"}, pubLog.logger("pub")};
  publisher.migrate({});
  struct CountingBus final : MessageBus {
    std::vector<std::size_t> calls;
    std::vector<std::string> ids;
    using MessageBus::subscribe;
    void subscribe(std::string_view, std::string, Database&, MessageHandler, std::vector<std::string>) override {}
    void publish(const Envelope& message) override { publishBatch(std::span<const Envelope>(&message, 1)); }
    void publishBatch(std::span<const Envelope> messages) override {
      calls.push_back(messages.size());
      for (const auto& m : messages) ids.push_back(m.messageId);
    }
    DeliveryCounts deliverTo(std::string_view, std::span<const Envelope>) override { return {}; }
    void start() override {}
    void stop() override {}
  } counting;
  std::vector<std::string> published;
  publisher.write([&](Tx& tx) {
    for (int i = 0; i < 5; ++i) published.push_back(tx.publish("events", "ThingHappened", {{"n", i}}, "corr"));
  });
  OutboxDispatcher dispatcher(counting, f.clock, f.metrics, f.log.logger("outbox"));
  dispatcher.addSource(publisher);
  dispatcher.start();
  dispatcher.stop();
  CHECK(counting.calls == std::vector<std::size_t>{5});
  CHECK(counting.ids == published);
  CHECK(dispatcher.pending() == 0);
}

TEST_CASE("bus: deliverTo reaches only the named subscriber and counts what it did") {
  Fixture f;
  Database second({f.dir / "second.db", "second"}, f.log.logger("second"));
  second.migrate(std::vector<Migration>{{"second", "0001_handled.sql", kHandled.sql}});
  TestBus bus(f, fastRetries(3));
  std::atomic<int> mine{0}, other{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(mine));
  bus.bus.subscribe(topics::events, "second", second, f.recordingHandler(other));
  bus.subscribeMarkers(f.subscriber);
  bus.start();
  std::vector<Envelope> replay{message("events"), message("events"), message("orders")};
  auto counts = bus.bus.deliverTo("sub", replay);
  CHECK(counts.delivered == 2);
  CHECK(counts.skipped == 0);
  CHECK(counts.notSubscribed == 1);
  REQUIRE(eventually([&] { return mine.load() == 2; }));
  REQUIRE(bus.settle(f.subscriber));
  CHECK(other.load() == 0);
  CHECK(count(second, "SELECT COUNT(*) FROM inbox") == 0);
  // The same messages again: the inbox holds their ids, nothing is handled twice.
  auto again = bus.bus.deliverTo("sub", replay);
  CHECK(again.delivered == 0);
  CHECK(again.skipped == 2);
  CHECK(again.notSubscribed == 1);
  REQUIRE(bus.settle(f.subscriber));
  CHECK(mine.load() == 2);
  bus.stop();
}

TEST_CASE("bus: deliverTo an unknown subscriber is refused and queues nothing") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(calls));
  std::vector<Envelope> replay{message("events")};
  CHECK_THROWS_AS(bus.bus.deliverTo("nobody", replay), std::invalid_argument);
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox") == 0);
}

TEST_CASE("bus: inbox accept reports how many messages were new") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(calls));
  Inbox& inbox = bus.inboxes.of("sub", f.subscriber);
  auto a = message();
  auto b = message();
  std::vector<Envelope> first{a};
  std::vector<Envelope> both{a, b, b};
  CHECK(inbox.accept(first) == 1);
  CHECK(inbox.accept(both) == 1);
  CHECK(inbox.accept(a) == 0);
}

TEST_CASE("bus: a subscriber handled on accept has its messages handled before publish returns, once each") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(calls));
  bus.bus.handleOnAccept("sub");
  Inbox& inbox = bus.inboxes.of("sub", f.subscriber);
  bus.start();
  auto a = message();
  auto b = message();
  bus.bus.publishBatch(std::vector<Envelope>{a, b, a});
  // Handled when publish returns (the worker's path would take a while, and keep the envelope).
  CHECK(calls.load() == 2);
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM handled") == 2);
  CHECK(inboxStatus(f.subscriber, a.messageId) == "done");
  CHECK(inboxStatus(f.subscriber, b.messageId) == "done");
  // A handled row keeps only what the dedupe needs, not the envelope.
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox WHERE envelope = '' AND attempts = 1") == 2);
  bus.bus.publish(a);  // a late duplicate delivery
  CHECK(inbox.accept(b) == 0);
  CHECK(calls.load() == 2);
  auto metrics = f.metrics.render();
  CAPTURE(metrics);
  CHECK(metrics.find("bus_messages_delivered_total{subscriber=\"sub\",type=\"ThingHappened\"} 2") != std::string::npos);
  CHECK_THROWS_AS(bus.bus.handleOnAccept("nobody"), std::invalid_argument);
  CHECK_THROWS_AS(bus.bus.handleOnAccept("sub"), std::logic_error);  // too late: started
  bus.stop();
}

TEST_CASE("bus: an inbox not started only stores, even when asked to handle on accept") {
  // What a command-line replay does: the modules are built and subscribed, never started.
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(calls));
  bus.bus.handleOnAccept("sub");
  auto m = message();
  bus.bus.publish(m);
  CHECK(calls.load() == 0);
  CHECK(inboxStatus(f.subscriber, m.messageId) == "pending");
  bus.start();
  REQUIRE(eventually([&] { return inboxStatus(f.subscriber, m.messageId) == "done"; }));
  CHECK(calls.load() == 1);
  bus.stop();
}

TEST_CASE("bus: a handler that fails on accept rolls back its writes and leaves the message to the worker's retries") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope& m, Tx& tx) {
    tx.sql() << "INSERT INTO handled (message_id) VALUES (:m)", soci::use(m.messageId);
    if (++calls == 1) throw std::runtime_error("downstream unavailable");
  });
  bus.subscribeMarkers(f.subscriber);
  bus.bus.handleOnAccept("sub");
  bus.start();
  auto failing = message();
  auto fine = message();
  bus.bus.publishBatch(std::vector<Envelope>{failing, fine});
  // The first attempt failed inside the accepting transaction: its writes are gone, the failure is
  // recorded, and the other message of the batch was handled and committed.
  CHECK(calls.load() == 2);
  CHECK(inboxStatus(f.subscriber, failing.messageId) == "pending");
  CHECK(inboxRow(f.subscriber, failing.messageId).attempts == 1);
  CHECK(inboxStatus(f.subscriber, fine.messageId) == "done");
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM handled") == 1);
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox WHERE message_id = '" + failing.messageId +
                                "' AND envelope <> '' AND last_error LIKE '%downstream unavailable%'") == 1);
  // The worker retries it after the backoff, on the clock, from the envelope it kept.
  REQUIRE(advanceUntil(f.clock, 10ms, [&] { return inboxStatus(f.subscriber, failing.messageId) == "done"; }));
  CHECK(calls.load() == 3);
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM handled") == 2);
  CHECK(bus.deadLetters().empty());
  bus.stop();
}

TEST_CASE("bus: a handler that ends the accepting transaction gets the batch queued for the worker instead") {
  Fixture f;
  TestBus bus(f, fastRetries(3));
  std::atomic<int> calls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, [&](const Envelope& m, Tx& tx) {
    if (++calls == 1) throw TransactionAborted("the store ended the transaction");
    tx.sql() << "INSERT INTO handled (message_id) VALUES (:m)", soci::use(m.messageId);
  });
  bus.bus.handleOnAccept("sub");
  bus.start();
  auto a = message();
  auto b = message();
  bus.bus.publishBatch(std::vector<Envelope>{a, b});
  // The batch stopped at the first message and nothing of it stayed; stored instead, the
  // worker handled both (its rows keep the envelope, which the on-accept path does not store).
  REQUIRE(eventually([&] { return count(f.subscriber, "SELECT COUNT(*) FROM handled") == 2; }));
  CHECK(calls.load() == 3);
  CHECK(count(f.subscriber, "SELECT COUNT(*) FROM inbox WHERE status = 'done' AND envelope <> ''") == 2);
  CHECK(f.log.text().find("handling on accept failed") != std::string::npos);
  bus.stop();
}

TEST_CASE("bus: the dispatcher does not retry one by one when the bus is unavailable, only when it refuses") {
  Fixture f;
  test::CapturedLog pubLog;
  Database publisher{{f.dir / "pub.db", "pub"}, pubLog.logger("pub")};
  publisher.migrate({});
  struct FailingBus final : MessageBus {
    bool unavailable = true;
    std::vector<std::size_t> calls;
    using MessageBus::subscribe;
    void subscribe(std::string_view, std::string, Database&, MessageHandler, std::vector<std::string>) override {}
    void publish(const Envelope& message) override { publishBatch(std::span<const Envelope>(&message, 1)); }
    void publishBatch(std::span<const Envelope> messages) override {
      calls.push_back(messages.size());
      if (unavailable) throw BusUnavailable("broker down");
      throw std::runtime_error("refused");
    }
    DeliveryCounts deliverTo(std::string_view, std::span<const Envelope>) override { return {}; }
    void start() override {}
    void stop() override {}
  } failing;
  publisher.write([&](Tx& tx) {
    for (int i = 0; i < 5; ++i) tx.publish("events", "ThingHappened", {{"n", i}}, "corr");
  });
  {
    OutboxDispatcher dispatcher(failing, f.clock, f.metrics, f.log.logger("outbox"));
    dispatcher.addSource(publisher);
    dispatcher.start();
    dispatcher.stop();
    REQUIRE_FALSE(failing.calls.empty());
    for (auto n : failing.calls) CHECK(n == 5);
    CHECK(dispatcher.pending() == 5);
  }
  failing.unavailable = false;
  failing.calls.clear();
  OutboxDispatcher dispatcher(failing, f.clock, f.metrics, f.log.logger("outbox"));
  dispatcher.addSource(publisher);
  dispatcher.start();
  dispatcher.stop();
  CHECK(std::find(failing.calls.begin(), failing.calls.end(), 1) != failing.calls.end());
}

TEST_CASE("bus: a deferred inbox stores its messages and handles them only once started") {
  Fixture f;
  Database other{{f.dir / "other.db", "other"}, f.log.logger("other")};
  other.migrate(std::vector<Migration>{{"other", "0001_handled.sql", "CREATE TABLE handled (message_id TEXT);"}});
  TestBus bus(f, fastRetries(3));
  std::atomic<int> deferredCalls{0}, otherCalls{0};
  bus.bus.subscribe(topics::events, "sub", f.subscriber, f.recordingHandler(deferredCalls));
  bus.bus.subscribe(topics::events, "other", other, f.recordingHandler(otherCalls));
  // Another instance owns what "sub" decides: its inbox waits (Inboxes::defer).
  bus.inboxes.defer("sub");
  bus.start();
  auto m = message();
  bus.bus.publish(m);
  REQUIRE(eventually([&] { return inboxStatus(other, m.messageId) == "done"; }));
  CHECK(inboxStatus(f.subscriber, m.messageId) == "pending");  // stored, durable, not handled
  CHECK(deferredCalls.load() == 0);
  bus.inboxes.startDeferred("sub");
  REQUIRE(eventually([&] { return inboxStatus(f.subscriber, m.messageId) == "done"; }));
  bus.inboxes.startDeferred("sub");  // once: a second call does nothing
  CHECK(deferredCalls.load() == 1);
  CHECK(otherCalls.load() == 1);
  bus.stop();
}
