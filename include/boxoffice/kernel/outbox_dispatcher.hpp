#pragma once
// Moves committed outbox rows of every registered database onto the bus (see bus.hpp): up to
// 256 rows of a source at a time, handed to the bus as one batch (MessageBus::publishBatch),
// then marked dispatched in one bookkeeping write.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"

namespace boxoffice {

class OutboxDispatcher {
 public:
  // `busBatch`: messages per MessageBus::publishBatch call (1 hands them over one at a time).
  OutboxDispatcher(MessageBus& bus, const Clock& clock, Metrics& metrics, Logger log, int busBatch = 256);
  ~OutboxDispatcher();
  OutboxDispatcher(const OutboxDispatcher&) = delete;
  OutboxDispatcher& operator=(const OutboxDispatcher&) = delete;
  void addSource(Database& store);  // before start()
  // A source whose messages go through `via` (a broker transport publishes each module's outbox
  // on that module's own connection, AmqpBus::publisherFor).
  void addSource(Database& store, MessageBus& via);
  void start();
  // Delivers what is committed now, then stops.
  void stop();
  // Messages committed but not yet handed to the bus, over all sources.
  std::int64_t pending();

 private:
  std::optional<std::chrono::milliseconds> step();
  bool dispatchAll();  // false if a source failed
  struct Source {
    Database* store;
    MessageBus* bus;
  };
  bool dispatchBatch(const Source& source);  // true if it moved the whole batch
  void housekeeping();
  // How many of `messages` the bus accepted, in order: all of them, or a prefix if it failed.
  std::size_t publish(const Source& source, std::span<const Envelope> messages);
  MessageBus& bus_;
  int busBatch_;
  const Clock& clock_;
  Metrics& metrics_;
  Logger log_;
  std::vector<Source> sources_;
  // Set by a commit that published; only the first commit after a pass wakes the worker, so the
  // ones during the gather window do not cut it short.
  std::atomic<bool> dirty_{true};
  bool gathering_ = false;  // worker thread only
  bool started_ = false;
  std::optional<SteadyTimePoint> lastHousekeeping_;
  BackgroundWorker worker_;
};

}  // namespace boxoffice
