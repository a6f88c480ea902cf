#include "boxoffice/kernel/outbox_dispatcher.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "boxoffice/kernel/error_text.hpp"
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
std::string lockName(const Database& store) { return "outbox." + store.module(); }
}  // namespace

OutboxDispatcher::OutboxDispatcher(MessageBus& bus, const Clock& clock, Metrics& metrics, Logger log, int busBatch)
    : bus_(bus),
      busBatch_(std::clamp(busBatch, 1, kBatch)),
      clock_(clock),
      metrics_(metrics),
      log_(std::move(log)),
      worker_(
          "outbox", clock, log_, [this] { return step(); }, kRetryAfterFailure) {
  metrics_.describe("bus_outbox_pending", "gauge", "Committed outbox messages not yet handed to the bus.");
}

OutboxDispatcher::~OutboxDispatcher() { stop(); }

void OutboxDispatcher::addSource(Database& store) { addSource(store, bus_); }

void OutboxDispatcher::addSource(Database& store, MessageBus& via) {
  sources_.push_back({&store, &via});
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
  // Another instance may take the outboxes over at once instead of when this process exits.
  for (const auto& source : sources_) locks_->release(lockName(*source.store));
}

std::int64_t OutboxDispatcher::pending() {
  std::int64_t total = 0;
  for (const auto& source : sources_) {
    total += source.store->read([](soci::session& s) {
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
    log_.warn("outbox housekeeping failed", {{"error", errorText(e)}});
  }
  return clean ? kPoll : kRetryAfterFailure;
}

bool OutboxDispatcher::dispatchAll() {
  bool clean = true;
  for (const auto& source : sources_) {
    try {
      if (!owns(*source.store)) continue;
      while (dispatchBatch(source)) {
      }
    } catch (const std::exception& e) {
      clean = false;
      log_.error("outbox dispatch error", {{"module", source.store->module()}, {"error", errorText(e)}});
    }
  }
  return clean;
}

bool OutboxDispatcher::owns(const Database& source) { return locks_->tryHold(lockName(source)); }

bool OutboxDispatcher::dispatchBatch(const Source& source) {
  Database& store = *source.store;
  std::vector<std::int64_t> seqs;
  auto batch = store.read([&seqs](soci::session& s) {
    std::vector<Envelope> out;
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
      seqs.push_back(rows::integer(r, 0));
      out.push_back(std::move(e));
    }
    return out;
  });
  if (batch.empty()) return false;

  std::size_t delivered = 0;
  while (delivered < batch.size()) {
    auto size = std::min(batch.size() - delivered, static_cast<std::size_t>(busBatch_));
    auto accepted = publish(source, std::span<const Envelope>(batch).subspan(delivered, size));
    delivered += accepted;
    if (accepted < size) break;
  }
  if (delivered > 0) {
    std::string now = formatRfc3339(clock_.now());
    // The delivered messages are a prefix of the batch in seq order: one statement marks them.
    store.write(
        [&](Tx& tx) {
          tx.exec("UPDATE outbox SET dispatched_at = ? WHERE seq BETWEEN ? AND ? AND dispatched_at IS NULL", now,
                  seqs.front(), seqs[delivered - 1]);
        },
        Durability::Relaxed);
  }
  return delivered == batch.size();
}

std::size_t OutboxDispatcher::publish(const Source& source, std::span<const Envelope> messages) {
  Database& store = *source.store;
  try {
    source.bus->publishBatch(messages);
    return messages.size();
  } catch (const BusUnavailable& e) {
    // The transport takes nothing now: no one-by-one retry (each would wait as long again), the
    // next source gets its turn and this one is tried on the next pass.
    log_.error("publishing an outbox batch failed, the message bus is unavailable; will retry",
               {{"module", store.module()}, {"messages", messages.size()}, {"error", errorText(e)}});
    return 0;
  } catch (const std::exception& e) {
    if (messages.size() == 1) {
      log_.error("publishing an outbox message failed; will retry",
                 {{"module", store.module()}, {"messageId", messages.front().messageId}, {"error", errorText(e)}});
      return 0;
    }
    log_.warn("publishing an outbox batch failed; trying its messages one at a time",
              {{"module", store.module()}, {"error", errorText(e)}});
  }
  // Keep order: hand them over one by one up to the first that fails; the rest wait for the next
  // pass. Those of the batch that were queued already are queued again, and the inboxes ignore them.
  std::size_t accepted = 0;
  for (const auto& message : messages) {
    if (publish(source, std::span<const Envelope>(&message, 1)) == 0) break;
    ++accepted;
  }
  return accepted;
}

void OutboxDispatcher::housekeeping() {
  auto now = clock_.steadyNow();
  if (lastHousekeeping_ && now - *lastHousekeeping_ < kHousekeepingEvery) return;
  lastHousekeeping_ = now;
  std::string cutoff = formatRfc3339(clock_.now() - kRetention);
  for (const auto& source : sources_) {
    if (!owns(*source.store)) continue;  // its dispatcher cleans up
    source.store->write([&](Tx& tx) {
      tx.sql() << "DELETE FROM outbox WHERE dispatched_at IS NOT NULL AND dispatched_at < :c", soci::use(cutoff);
    });
  }
}

}  // namespace boxoffice
