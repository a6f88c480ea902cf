#pragma once
// Which instance decides seats when several share one PostgreSQL database and one broker
// (cluster.advertiseUrl set; docs/architecture.md#more-than-one-instance).
//
// The owner is the instance whose inventory writer session holds the advisory lock
// 'boxoffice.inventory.writer'. PostgreSQL grants it to one session at a time and frees it when
// that session ends, so a dead owner's lock goes with its connection, and the lock is the fence:
// every seat write runs on the session that holds it.
//
// - At start, an instance that gets the lock owns the seats; the others follow: their engine does
//   not run, their inventory inbox and broker receivers stay off, and their seat commands are
//   forwarded to the owner's advertised URL (read from inventory's owner_lease row).
// - A follower tries the lock every cluster.takeoverPollMs. Once it has it, it writes the lease
//   (its URL, epoch + 1), and takes over: it loads the seats from the database (every commit of
//   the previous owner included) and starts its engine, inbox and receivers.
// - An owner whose writer session was lost must not write again if another instance owned the
//   seats meanwhile (the lock is taken, or free again but the lease names another owner or a
//   later epoch): its writes fail (503) and the process stops (exit status 3) so that its
//   supervisor restarts it as a follower.
// - A follower's new writer session may get the lock by itself (the owner just died): the hook
//   wakes the worker, which takes the seats over at once.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <soci/soci.h>
#include <string>

#include "app/peer_forwarder.hpp"
#include "boxoffice/inventory/api.hpp"
#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/db.hpp"

namespace boxoffice::app {

// cluster.* keys.
std::vector<ConfigKey> clusterConfigKeys();
// Whether cluster.advertiseUrl is set; then PostgreSQL and the AMQP bus are required (StartupError).
bool clusterEnabled(const Config& config);

class SeatOwner final : public inventory::SeatOwnership {
 public:
  SeatOwner(const Config& config, const Clock& clock, Metrics& metrics, Logger log);
  ~SeatOwner() override;
  SeatOwner(const SeatOwner&) = delete;
  SeatOwner& operator=(const SeatOwner&) = delete;

  const std::string& instanceId() const { return instanceId_; }
  // The inventory store's Database::Options::onWriterSession.
  std::function<void(soci::session&)> writerSessionHook();
  // After the stores opened, before the modules start: the owner (its writer took the lock)
  // writes its lease. `takeOver` runs (on this object's thread) once a follower has become the
  // owner; `lost` once an owner lost the seats to another instance.
  void start(Database& inventoryStore, std::function<void()> takeOver, std::function<void()> lost);
  // Once everything runs: a follower starts trying for the lock, an owner watches for its loss.
  void watch() { worker_.start(); }
  void stop();

  bool ownedHere() const override { return owned_.load(); }
  void forward(const http::Request& request, std::function<void(std::optional<http::Response>)> answer) override;

 private:
  std::optional<std::chrono::milliseconds> step();
  // In the writer's transaction: takes the lock if free; on success records this instance in the lease.
  bool tryTakeLock(Tx& tx);
  void writeLease(Tx& tx);
  // On a new writer session that got the lock back: the lease still names this instance at the
  // epoch it wrote (no other owner came and went meanwhile).
  bool leaseStillOurs(soci::session& session) const;
  std::string ownerUrl();

  std::string instanceId_;
  std::string advertiseUrl_;
  std::chrono::milliseconds pollInterval_;
  const Clock& clock_;
  Logger log_;
  Database* store_ = nullptr;
  std::function<void()> takeOver_;
  std::function<void()> lost_;
  std::atomic<bool> lockHeld_{false};  // the current writer session holds the lock
  std::atomic<bool> claimed_{false};   // this instance took the lock (owner, or taking over)
  std::atomic<bool> owned_{false};     // ...and its engine runs: seat commands are decided here
  std::atomic<bool> lostSeats_{false};
  std::atomic<std::int64_t> epoch_{0};  // the lease epoch this instance wrote
  std::mutex leaseMutex_;
  std::string cachedOwnerUrl_;  // under leaseMutex_
  std::chrono::steady_clock::time_point ownerUrlReadAt_{};
  PeerForwarder forwarder_;
  BackgroundWorker worker_;  // last: stops before what it uses goes
};

}  // namespace boxoffice::app
