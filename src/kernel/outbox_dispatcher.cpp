#include "boxoffice/kernel/outbox_dispatcher.hpp"

#include <boost/json.hpp>

#include "boxoffice/kernel/time.hpp"

namespace boxoffice {

namespace {
constexpr int kBatch = 256;
// After a commit wakes the dispatcher it waits this long for more: marking rows delivered is a
// write on the publisher's database, and one mark per engine commit under a ticket rush took the
// writer from the transactions that matter. Delivery gets at most this much later.
constexpr auto kGatherWindow = std::chrono::milliseconds(20);
// Poll now and then as well: another process (the CLI) may have written an outbox row.
constexpr auto kPoll = std::chrono::milliseconds(500);
constexpr auto kRetryAfterFailure = std::chrono::milliseconds(1000);
// Delivered outbox rows are kept this long (for debugging); inboxes clean up their own rows.
constexpr auto kRetention = std::chrono::hours(24 * 7);
constexpr auto kHousekeepingEvery = std::chrono::hours(1);
}  // namespace

OutboxDispatcher::OutboxDispatcher(MessageBus& bus, const Clock& clock, Metrics& metrics, Logger log)
    : bus_(bus),
      clock_(clock),
      metrics_(metrics),
      log_(std::move(log)),
      worker_(
          "outbox", clock, log_, [this] { return step(); }, kRetryAfterFailure) {
  metrics_.describe("bus_outbox_pending", "gauge", "Committed outbox messages not yet handed to the bus.");
}

OutboxDispatcher::~OutboxDispatcher() { stop(); }

void OutboxDispatcher::addSource(Database& store) {
  sources_.push_back(&store);
  store.onOutboxCommit([this] {
    if (!dirty_.exchange(true)) worker_.wake();
  });
}

void OutboxDispatcher::start() {
  metrics_.gaugeCallback("bus_outbox_pending", [this] { return static_cast<double>(pending()); });
  started_ = true;
  worker_.start();
}

void OutboxDispatcher::stop() {
  worker_.stop();
  if (!started_) return;
  started_ = false;
  // The worker has ended: flush on this thread until a pass finds nothing new, so what was
  // committed before stop() is delivered.
  bool clean = true;
  do {
    dirty_ = false;
    clean = dispatchAll();
  } while (clean && dirty_);
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

std::optional<std::chrono::milliseconds> OutboxDispatcher::step() {
  if (dirty_ && !gathering_) {
    gathering_ = true;
    return kGatherWindow;
  }
  gathering_ = false;
  // Cleared before the pass: a commit from now on wakes the worker for another one.
  dirty_ = false;
  bool clean = dispatchAll();
  try {
    housekeeping();
  } catch (const std::exception& e) {
    log_.warn("outbox housekeeping failed", {{"error", e.what()}});
  }
  return clean ? kPoll : kRetryAfterFailure;
}

bool OutboxDispatcher::dispatchAll() {
  bool clean = true;
  for (auto* store : sources_) {
    try {
      while (dispatchBatch(*store)) {
      }
    } catch (const std::exception& e) {
      clean = false;
      log_.error("outbox dispatch error", {{"module", store->module()}, {"error", e.what()}});
    }
  }
  return clean;
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
    std::string now = formatRfc3339(clock_.now());
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
  auto now = clock_.steadyNow();
  if (lastHousekeeping_ && now - *lastHousekeeping_ < kHousekeepingEvery) return;
  lastHousekeeping_ = now;
  std::string cutoff = formatRfc3339(clock_.now() - kRetention);
  for (auto* store : sources_) {
    store->write([&](Tx& tx) {
      tx.sql() << "DELETE FROM outbox WHERE dispatched_at IS NOT NULL AND dispatched_at < :c", soci::use(cutoff);
    });
  }
}

}  // namespace boxoffice
