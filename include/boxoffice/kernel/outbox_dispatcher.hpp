#pragma once
// Moves committed outbox rows of every registered database onto the bus (see bus.hpp): up to
// 256 rows of a source at a time, handed to the bus as one batch (MessageBus::publishBatch),
// then marked dispatched in one bookkeeping write.
//
// More than one instance on one PostgreSQL database: each module outbox is dispatched by the one
// instance that holds its cluster lock ("outbox.<module>", cluster_lock.hpp), asked for again on
// every pass; the others skip that outbox. Not `FOR UPDATE SKIP LOCKED` claims of rows: two
// instances claiming neighbouring batches would publish them side by side, out of order, and the
// receivers rely on one module's messages arriving in the order they were committed. A lock that
// moves (its holder's connection died) may cause a batch to be published twice, which the inboxes
// dedupe by message id, as they do any redelivery. See docs/architecture.md#more-than-one-instance.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/cluster_lock.hpp"
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
  // Which instance dispatches which outbox, when several share a database (before start(); the
  // locks must outlive the dispatcher). Without it every lock is held (one instance).
  void useClusterLocks(ClusterLocks& locks) { locks_ = &locks; }
  void start();
  // Delivers what is committed now, then stops.
  void stop();
  // Messages committed but not yet handed to the bus, over all sources.
  std::int64_t pending();

 private:
  std::optional<std::chrono::milliseconds> step();
  bool dispatchAll();  // false if a source failed
  // Whether this instance dispatches `source` now (its cluster lock).
  bool owns(const Database& source);
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
  std::unique_ptr<ClusterLocks> localLocks_ = makeLocalClusterLocks();
  ClusterLocks* locks_ = localLocks_.get();
  // Set by a commit that published; only the first commit after a pass wakes the worker, so the
  // ones during the gather window do not cut it short.
  std::atomic<bool> dirty_{true};
  bool gathering_ = false;  // worker thread only
  bool started_ = false;
  std::optional<SteadyTimePoint> lastHousekeeping_;
  BackgroundWorker worker_;
};

}  // namespace boxoffice
