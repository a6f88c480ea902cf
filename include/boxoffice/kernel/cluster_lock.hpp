#pragma once
// Locks named by a job ("outbox.orders"), each held by at most one instance of a deployment at a
// time (docs/architecture.md#more-than-one-instance): for background work that must not run in
// two instances at once and that no conditional claim in the database fits (the outbox
// dispatcher: one publisher per module outbox keeps that module's messages in order).
//
//   if (!locks.tryHold("outbox.orders")) return;  // another instance does it; ask again next poll
//   ... the job ...
//
// On PostgreSQL a lock is a session-level advisory lock (pg_try_advisory_lock) held by one
// connection of this instance, shared by all its locks. The lock goes with that connection: if
// it is lost (the server restarted, the network died, the process was killed), another instance
// may take the lock at once, while this one learns of the loss only at its next tryHold. So a
// lock makes a duplicate rare and short, never impossible: what it guards must stay correct
// (if wasteful) when run twice, as outbox publishing is (the inboxes dedupe by message id).
// On SQLite there is only one instance per data directory (serve holds <dataDir>/serve.lock):
// makeLocalClusterLocks() holds every lock, always.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/log.hpp"

namespace boxoffice {

class ClusterLocks {
 public:
  virtual ~ClusterLocks() = default;
  // Whether this instance holds `name` now: takes it if no instance holds it, keeps it if this
  // one did already. Never blocks on another instance; false also while the database cannot be
  // reached (ask again later). Thread-safe.
  virtual bool tryHold(std::string_view name) = 0;
  // Lets another instance take `name` at once (at shutdown). Not held: nothing happens.
  virtual void release(std::string_view name) = 0;

 protected:
  ClusterLocks() = default;
  ClusterLocks(const ClusterLocks&) = default;
  ClusterLocks& operator=(const ClusterLocks&) = default;
};

// SQLite: one instance, every lock is always held.
std::unique_ptr<ClusterLocks> makeLocalClusterLocks();

struct PostgresClusterLocksOptions {
  // libpq URI or key=value string of the shared database (advisory locks belong to a database,
  // not to a role or schema: any module's login will do).
  std::string connection;
  // Shows in pg_stat_activity, so an operator sees (and a test can end) the session.
  std::string applicationName = "boxoffice-cluster-locks";
  // A held lock is checked (one round trip on its connection) at most this often; until then
  // tryHold answers from memory. Bounds how long this instance may go on after losing the lock.
  std::chrono::milliseconds recheckEvery{1000};
};

// Connects on first use and again after the connection is lost (every lock is then taken anew).
std::unique_ptr<ClusterLocks> makePostgresClusterLocks(PostgresClusterLocksOptions options, const Clock& clock,
                                                       Logger log);

}  // namespace boxoffice
