#pragma once
// "Something changed" signals between the instances of one deployment that share a PostgreSQL
// database (docs/architecture.md#more-than-one-instance). An instance publishes a signal inside
// the write transaction that made the change; every OTHER instance's subscribers hear it once
// that transaction commits (PostgreSQL NOTIFY is transactional: a rolled-back change signals
// nothing, and a follower never hears of a change before it can read it). The publishing
// instance does not hear its own signals: it already knows what it changed.
//
// Signals carry no state, only a hint (an id, a key): a subscriber reloads what it caches from
// the database. Delivery is at most once: while the listening connection is down, signals are
// lost. So after every connect (the first too: the subscriber cannot know what changed before
// its LISTEN was in place) each subscriber gets a `resync` signal, meaning "reload everything".
//
//   auto signals = makePostgresClusterSignals({.connection = url, .instanceId = id}, log);
//   signals->subscribe("inventory_seats", [&](const ClusterSignal& s) {
//     s.resync ? reloadAll() : reload(s.payload);
//   });
//   store.write([&](Tx& tx) { ...; signals->publish(tx, "inventory_seats", eventId); });
//
// Callbacks run on the listener's own thread, one at a time, in the order PostgreSQL delivers
// (commit order); they must not block for long (hand heavy reloads to a worker). On SQLite there
// is only one instance (two processes on one data directory are not supported):
// makeInProcessClusterSignals() publishes nothing and never calls a subscriber.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "boxoffice/kernel/log.hpp"

namespace boxoffice {

class Tx;

struct ClusterSignal {
  std::string_view channel;
  std::string_view payload;  // what the publisher passed; empty for a resync
  bool resync = false;       // (re)connected: signals may have been missed, reload everything
};

class ClusterSignals {
 public:
  using Callback = std::function<void(const ClusterSignal&)>;
  using SubscriptionId = std::uint64_t;
  // PostgreSQL caps a NOTIFY payload at 8000 bytes; the instance id travels with it.
  static constexpr std::size_t kMaxPayloadBytes = 4000;

  virtual ~ClusterSignals() = default;
  // Sends `payload` on `channel` when `tx` commits (nothing if it rolls back). A channel is 1-48
  // characters of [a-z0-9_] starting with a letter; throws std::invalid_argument for a bad
  // channel or a payload over kMaxPayloadBytes (a programming error, not user input).
  virtual void publish(Tx& tx, std::string_view channel, std::string_view payload) = 0;
  // Calls `callback` for every signal other instances publish on `channel` from now on, and with
  // a resync once the listener listens on it (and after every reconnect). Throws
  // std::invalid_argument for a bad channel.
  virtual SubscriptionId subscribe(std::string_view channel, Callback callback) = 0;
  // Once it returns, the callback is not running and will not be called again (from inside the
  // callback itself: it will not be called again). Unknown ids are ignored. Unsubscribe, or
  // destroy this object (which stops its thread), before what a callback uses goes away.
  // A subscriber may also hear a signal committed shortly before it subscribed: they are hints.
  virtual void unsubscribe(SubscriptionId id) = 0;

 protected:
  ClusterSignals() = default;
  ClusterSignals(const ClusterSignals&) = default;
  ClusterSignals& operator=(const ClusterSignals&) = default;
};

// Whether `channel` is a valid channel name (see publish).
bool validClusterChannel(std::string_view channel);

// SQLite: one instance, nothing to tell anyone. Validates its arguments like the real one.
std::unique_ptr<ClusterSignals> makeInProcessClusterSignals();

struct PostgresClusterSignalsOptions {
  std::string connection;  // libpq URI or key=value string of the shared database
  // This process's id ([A-Za-z0-9_-], 1-64 characters): its own signals are not delivered to it.
  std::string instanceId;
  // The first wait after a failed connect; doubles on each failure up to maxReconnectDelay.
  std::chrono::milliseconds reconnectDelay{250};
  std::chrono::milliseconds maxReconnectDelay{5000};
};
// Opens its LISTEN connection on a thread of its own (and again whenever it is lost); never
// blocks the caller on the database. Throws std::invalid_argument for a bad instance id.
std::unique_ptr<ClusterSignals> makePostgresClusterSignals(PostgresClusterSignalsOptions options, Logger log);

}  // namespace boxoffice
