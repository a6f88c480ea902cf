#include <boost/json.hpp>

#include "boxoffice/kernel/in_process_bus.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice {

namespace {
constexpr int kBatch = 256;
// After a commit wakes the dispatcher it waits this long for more: marking rows delivered is a
// write on the publisher's database, and one mark per engine commit under a ticket rush took the
// writer from the transactions that matter. Delivery gets at most this much later.
constexpr auto kGatherWindow = std::chrono::milliseconds(20);
// Delivered outbox rows and handled inbox rows are kept this long (for dedupe and debugging).
constexpr auto kRetention = std::chrono::hours(24 * 7);
}  // namespace

OutboxDispatcher::OutboxDispatcher(MessageBus& bus, Metrics& metrics, Logger log)
    : bus_(bus), metrics_(metrics), log_(std::move(log)) {
  metrics_.describe("bus_outbox_pending", "gauge", "Committed outbox messages not yet handed to the bus.");
}

OutboxDispatcher::~OutboxDispatcher() { stop(); }

void OutboxDispatcher::addSource(Database& store) {
  sources_.push_back(&store);
  store.onOutboxCommit([this] {
    std::lock_guard lock(mutex_);
    dirty_ = true;
    wake_.notify_one();
  });
}

void OutboxDispatcher::start() {
  metrics_.gaugeCallback("bus_outbox_pending", [this] { return static_cast<double>(pending()); });
  thread_ = std::thread([this] { run(); });
}

void OutboxDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

std::int64_t OutboxDispatcher::pending() {
  std::int64_t total = 0;
  for (auto* store : sources_) {
    total += store->read([](soci::session& s) {
      std::int64_t count = 0;
      s << "SELECT COUNT(*) FROM outbox WHERE dispatched_at IS NULL", soci::into(count);
      return count;
    });
  }
  return total;
}

bool OutboxDispatcher::dispatchBatch(Database& store) {
  struct Row {
    std::int64_t seq;
    Envelope envelope;
  };
  auto batch = store.read([](soci::session& s) {
    std::vector<Row> out;
    soci::rowset<soci::row> rs =
        (s.prepare
         << "SELECT seq, message_id, topic, type, version, payload, correlation_id, causation_id, occurred_at "
            "FROM outbox WHERE dispatched_at IS NULL ORDER BY seq LIMIT "
         << kBatch);
    for (const auto& r : rs) {
      Envelope e;
      e.messageId = r.get<std::string>(1);
      e.topic = r.get<std::string>(2);
      e.type = r.get<std::string>(3);
      e.version = static_cast<int>(rows::integer(r, 4));
      e.payload = boost::json::parse(r.get<std::string>(5)).as_object();
      e.correlationId = r.get<std::string>(6);
      e.causationId = r.get<std::string>(7);
      e.occurredAt = r.get<std::string>(8);
      out.push_back({rows::integer(r, 0), std::move(e)});
    }
    return out;
  });
  if (batch.empty()) return false;

  std::vector<std::int64_t> delivered;
  for (const auto& row : batch) {
    try {
      bus_.publish(row.envelope);
      delivered.push_back(row.seq);
    } catch (const std::exception& e) {
      // Keep order: stop here and try the rest on the next pass.
      log_.error("publishing an outbox message failed; will retry",
                 {{"module", store.module()}, {"messageId", row.envelope.messageId}, {"error", e.what()}});
      break;
    }
  }
  if (!delivered.empty()) {
    std::string now = formatRfc3339(std::chrono::system_clock::now());
    // `delivered` is a prefix of the batch in seq order: one statement marks it.
    store.write(
        [&](Tx& tx) {
          tx.exec("UPDATE outbox SET dispatched_at = ? WHERE seq BETWEEN ? AND ? AND dispatched_at IS NULL", now,
                  delivered.front(), delivered.back());
        },
        Durability::Relaxed);
  }
  return delivered.size() == batch.size();
}

void OutboxDispatcher::housekeeping() {
  auto now = std::chrono::steady_clock::now();
  if (now - lastHousekeeping_ < std::chrono::hours(1)) return;
  lastHousekeeping_ = now;
  std::string cutoff = formatRfc3339(std::chrono::system_clock::now() - kRetention);
  for (auto* store : sources_) {
    store->write([&](Tx& tx) {
      tx.sql() << "DELETE FROM outbox WHERE dispatched_at IS NOT NULL AND dispatched_at < :c", soci::use(cutoff);
      tx.sql() << "DELETE FROM inbox WHERE status = 'done' AND processed_at < :c", soci::use(cutoff);
    });
  }
}

void OutboxDispatcher::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (!stopping_) wake_.wait_for(lock, kGatherWindow, [this] { return stopping_; });
      dirty_ = false;
    }
    bool failed = false;
    for (auto* store : sources_) {
      try {
        while (dispatchBatch(*store)) {
        }
      } catch (const std::exception& e) {
        failed = true;
        log_.error("outbox dispatch error", {{"module", store->module()}, {"error", e.what()}});
      }
    }
    try {
      housekeeping();
    } catch (const std::exception& e) {
      log_.warn("outbox housekeeping failed", {{"error", e.what()}});
    }
    std::unique_lock lock(mutex_);
    // Stop only after a clean pass, so what was committed before stop() is delivered.
    if (stopping_ && !dirty_) return;
    // Poll now and then as well: another process (the CLI) may have written an outbox row.
    wake_.wait_for(lock, failed ? std::chrono::seconds(1) : std::chrono::milliseconds(500),
                   [this] { return dirty_ || stopping_; });
  }
}

}  // namespace boxoffice
