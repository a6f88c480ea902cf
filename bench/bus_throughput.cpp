// Message-path throughput: outbox -> dispatcher -> in-process bus -> inbox -> handler, on real
// SQLite files with synchronous=FULL, the way the checkout saga moves.
//
// Two module databases, "alpha" and "beta", play a saga: each handler writes a row and publishes
// the next hop to the other module, until an "order" has made `kHops` hops (about the seven
// messages of a purchase). All orders are placed at once; the clock runs from starting the bus
// until every order finished its last hop. Run in the same process, for reference:
//   - raw: single-row FULL commits per second on the same disk (the fsync ceiling);
//   - per-message: one transaction per accept and one per handled message (the path before
//     batching: bus.inboxBatch=1 and one message per bus call);
//   - batched: the defaults (bus.inboxBatch=128, the dispatcher's batch of up to 256 per call).
//
//   build/bus_throughput [data-dir] [orders-batched] [orders-per-message] [inbox-batch]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/in_process_bus.hpp"
#include "boxoffice/kernel/inbox.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/outbox_dispatcher.hpp"

using namespace boxoffice;
using Steady = std::chrono::steady_clock;

namespace {
constexpr int kHops = 7;
constexpr Migration kAlpha{"alpha", "0001_hops.sql",
                           "CREATE TABLE hops (order_id TEXT NOT NULL, hop INTEGER NOT NULL);"};
constexpr Migration kBeta{"beta", "0001_hops.sql", "CREATE TABLE hops (order_id TEXT NOT NULL, hop INTEGER NOT NULL);"};

double seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

double rawCommitsPerSecond(const std::filesystem::path& dir, const Logger& log) {
  Database db({dir / "raw.db", "alpha"}, log);
  db.migrate(std::vector<Migration>{kAlpha});
  int commits = 0;
  auto start = Steady::now();
  while (Steady::now() - start < std::chrono::seconds(2)) {
    db.write(
        [&](Tx& tx) { tx.exec("INSERT INTO hops (order_id, hop) VALUES (?, ?)", std::string_view("raw"), commits); });
    ++commits;
  }
  return commits / seconds(Steady::now() - start);
}

struct Result {
  int orders;
  double elapsed;
};

Result runSaga(const std::filesystem::path& dir, int orders, int inboxBatch, int busBatch, const Logger& log) {
  std::filesystem::remove_all(dir);
  SystemClock clock;
  Metrics metrics;
  Database alpha({dir / "alpha.db", "alpha"}, log);
  Database beta({dir / "beta.db", "beta"}, log);
  alpha.migrate(std::vector<Migration>{kAlpha});
  beta.migrate(std::vector<Migration>{kBeta});
  Inboxes inboxes(RetryPolicy{}, clock, metrics, log, inboxBatch);
  InProcessBus bus(inboxes, metrics);
  OutboxDispatcher dispatcher(bus, clock, metrics, log, busBatch);
  dispatcher.addSource(alpha);
  dispatcher.addSource(beta);
  std::atomic<int> completed{0};
  // A saga hop: record the step, send the next command or reply to the other module.
  auto hop = [&completed](std::string_view nextTopic) {
    return [&completed, nextTopic](const Envelope& m, Tx& tx) {
      std::string order(m.payload.at("order").as_string());
      auto n = m.payload.at("hop").as_int64();
      tx.exec("INSERT INTO hops (order_id, hop) VALUES (?, ?)", order, n);
      if (n < kHops) {
        tx.publish(nextTopic, "Hop", {{"order", order}, {"hop", n + 1}}, m.correlationId);
      } else {
        tx.afterCommit([&completed] { ++completed; });
      }
    };
  };
  bus.subscribe("to-beta", "beta", beta, hop("to-alpha"));
  bus.subscribe("to-alpha", "alpha", alpha, hop("to-beta"));
  // Every order placed at once (a rush), in transactions of 100 like a busy HTTP front.
  for (int first = 0; first < orders; first += 100) {
    alpha.write([&](Tx& tx) {
      for (int i = first; i < std::min(orders, first + 100); ++i) {
        tx.publish("to-beta", "Hop", {{"order", "order-" + std::to_string(i)}, {"hop", 1}}, {});
      }
    });
  }
  auto start = Steady::now();
  inboxes.start();
  bus.start();
  dispatcher.start();
  while (completed.load() < orders) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  double elapsed = seconds(Steady::now() - start);
  dispatcher.stop();
  bus.stop();
  inboxes.stop();
  return {orders, elapsed};
}

void print(const char* name, const Result& r) {
  double messages = static_cast<double>(r.orders) * kHops;
  std::printf("%-12s %6d orders  %7d messages  %6.2f s  %8.0f messages/s  %7.0f orders/s (%d hops)\n", name, r.orders,
              r.orders * kHops, r.elapsed, messages / r.elapsed, r.orders / r.elapsed, kHops);
}
}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = argc > 1 ? argv[1] : std::filesystem::temp_directory_path() / "bus_throughput";
  int batchedOrders = argc > 2 ? std::stoi(argv[2]) : 5000;
  int perMessageOrders = argc > 3 ? std::stoi(argv[3]) : 300;
  int inboxBatch = argc > 4 ? std::stoi(argv[4]) : kDefaultInboxBatch;
  std::ostringstream discard;
  auto sink = std::make_shared<LogSink>(discard, LogLevel::Error);
  Logger log(sink, "bench");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::printf("raw          %8.0f FULL commits/s (one row each)\n", rawCommitsPerSecond(dir / "raw", log));
  print("per-message", runSaga(dir / "per-message", perMessageOrders, 1, 1, log));
  print("batched", runSaga(dir / "batched", batchedOrders, inboxBatch, 256, log));
  std::filesystem::remove_all(dir);
  return 0;
}
