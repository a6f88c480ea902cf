#include "app/seat_owner.hpp"

#include "app/postgres_storage.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/storage_error.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice::app {

namespace {

// The same lock as a single instance's fence (stores.cpp): per database, session-level.
constexpr const char* kTryLock =
    "SELECT CASE WHEN pg_try_advisory_lock(hashtext('boxoffice.inventory.writer')) THEN 1 ELSE 0 END";

bool tryLock(soci::session& session) {
  int held = 0;
  session << kTryLock, soci::into(held);
  return held == 1;
}

// How long a follower trusts the owner URL it read before reading the lease again.
constexpr auto kOwnerUrlTtl = std::chrono::seconds(2);

}  // namespace

std::vector<ConfigKey> clusterConfigKeys() {
  using T = ConfigType;
  return {
      {"cluster.advertiseUrl", T::String, "",
       "This instance's address as the other instances reach it (http://host:port). Set it on every instance that "
       "shares one PostgreSQL database and broker with others; empty: one instance per database."},
      {"cluster.takeoverPollMs", T::Int, 1000,
       "How often an instance that does not own the seats tries to take them over (the owner's lock is free once "
       "the owner's database session ended).",
       100, 60000},
      {"cluster.forwardTimeoutMs", T::Int, 5000, "Longest wait for the owner's answer to a forwarded seat command.",
       100, 60000},
      {"cluster.forwardThreads", T::Int, 8, "Threads that forward seat commands to the owner (each one at a time).", 1,
       64},
      {"cluster.forwardQueue", T::Int, 512,
       "Seat commands waiting for a forwarding thread; more are answered 503 at once.", 0, 100000},
  };
}

bool clusterEnabled(const Config& config) {
  auto url = config.getString("cluster.advertiseUrl");
  if (url.empty()) return false;
  if (!(url.starts_with("http://") || url.starts_with("https://")) || url.size() > 200 || url.ends_with("/")) {
    throw StartupError("config key 'cluster.advertiseUrl': must be http://host:port or https://host:port, not '" + url +
                       "'");
  }
  if (!usesPostgres(config)) {
    throw StartupError(
        "cluster.advertiseUrl is set but storage.backend is not postgresql: instances share state "
        "only through one PostgreSQL database");
  }
  if (config.getString("bus.transport") != "amqp") {
    throw StartupError(
        "cluster.advertiseUrl is set but bus.transport is not amqp: the in-process bus reaches only "
        "its own instance");
  }
  return true;
}

SeatOwner::SeatOwner(const Config& config, const Clock& clock, Metrics& metrics, Logger log)
    : instanceId_(newUuid()),
      advertiseUrl_(config.getString("cluster.advertiseUrl")),
      pollInterval_(config.getInt("cluster.takeoverPollMs")),
      clock_(clock),
      log_(log),
      forwarder_({.instanceId = instanceId_,
                  .timeout = std::chrono::milliseconds(config.getInt("cluster.forwardTimeoutMs")),
                  .threads = static_cast<int>(config.getInt("cluster.forwardThreads")),
                  .queueLimit = static_cast<std::size_t>(config.getInt("cluster.forwardQueue"))},
                 metrics, log),
      worker_("seat-owner", clock, std::move(log), [this] { return step(); }) {
  metrics.describe("cluster_seat_owner", "gauge", "1 while this instance decides seats, 0 while it forwards them.");
  metrics.gaugeCallback("cluster_seat_owner", [this] { return owned_.load() ? 1.0 : 0.0; });
}

SeatOwner::~SeatOwner() { stop(); }

std::function<void(soci::session&)> SeatOwner::writerSessionHook() {
  return [this](soci::session& session) {
    bool held = tryLock(session);
    lockHeld_ = held;
    if (!claimed_.load()) {
      // A follower's writes (outbox, lease reads) need no lock. If this new session got it,
      // the owner is gone: take the seats over now rather than at the next poll.
      if (held) worker_.wake();
      return;
    }
    // This instance decided seats and its session was lost. With the lock free again it may go
    // on only if no other instance owned the seats meanwhile (the lease still names it, at its
    // epoch): an owner that came and went would have sold seats this copy does not know of.
    if (held && leaseStillOurs(session)) return;
    // Its copy of the seats is stale. Not one more write; the process stops (step()).
    lostSeats_ = true;
    worker_.wake();
    throw StorageUnavailable("this instance no longer decides seats: another instance took them over");
  };
}

bool SeatOwner::leaseStillOurs(soci::session& session) const {
  std::string instance;
  std::int64_t epoch = 0;
  soci::indicator present = soci::i_null;
  session << "SELECT instance_id, epoch FROM owner_lease WHERE singleton = 1", soci::into(instance, present),
      soci::into(epoch);
  return present == soci::i_ok && instance == instanceId_ && epoch == epoch_.load();
}

void SeatOwner::start(Database& inventoryStore, std::function<void()> takeOver, std::function<void()> lost) {
  store_ = &inventoryStore;
  takeOver_ = std::move(takeOver);
  lost_ = std::move(lost);
  if (lockHeld_.load()) {
    store_->write([&](Tx& tx) { writeLease(tx); });
    claimed_ = true;
    owned_ = true;
  } else {
    log_.info("another instance decides seats; this one forwards seat commands to it", {{"instance", instanceId_}});
  }
}

void SeatOwner::stop() {
  worker_.stop();
  forwarder_.stop();  // before the stores close: a forward reads the lease
}

std::optional<std::chrono::milliseconds> SeatOwner::step() {
  if (lostSeats_.load()) {
    if (lost_) std::exchange(lost_, nullptr)();
    return std::nullopt;
  }
  if (owned_.load()) return std::nullopt;  // until wake(): only losing the seats matters now
  if (!claimed_.load()) {
    if (!store_->write([&](Tx& tx) { return tryTakeLock(tx); })) return pollInterval_;
    claimed_ = true;  // from here a writer session without the lock means the seats were lost
  }
  // Until the seats are loaded and the engine runs, seat commands here answer 503 (the lease
  // names this instance, which forwards to no one). A failed load (the database, for a moment)
  // is tried again: the lock stays ours meanwhile, or its loss stops the process (above).
  try {
    takeOver_();
  } catch (const std::exception& e) {
    log_.error("taking the seats over failed; trying again", {{"error", std::string(e.what())}});
    return pollInterval_;
  }
  owned_ = true;
  return std::nullopt;
}

bool SeatOwner::tryTakeLock(Tx& tx) {
  // The hook may have taken it already (a new writer session); taking it again only counts up.
  if (!lockHeld_.load() && !tryLock(tx.sql())) return false;
  lockHeld_ = true;
  writeLease(tx);
  return true;
}

void SeatOwner::writeLease(Tx& tx) {
  tx.exec(
      "INSERT INTO owner_lease (singleton, instance_id, advertise_url, epoch, acquired_at) VALUES (1, ?, ?, 1, ?) "
      "ON CONFLICT (singleton) DO UPDATE SET instance_id = excluded.instance_id, "
      "advertise_url = excluded.advertise_url, epoch = owner_lease.epoch + 1, acquired_at = excluded.acquired_at",
      instanceId_, advertiseUrl_, formatRfc3339(clock_.now()));
  std::int64_t epoch = 0;
  tx.sql() << "SELECT epoch FROM owner_lease WHERE singleton = 1", soci::into(epoch);
  tx.afterCommit([this, epoch] {
    epoch_ = epoch;
    log_.info("this instance decides seats", {{"instance", instanceId_}, {"url", advertiseUrl_}, {"epoch", epoch}});
  });
}

std::string SeatOwner::ownerUrl() {
  {
    std::lock_guard lock(leaseMutex_);
    if (!cachedOwnerUrl_.empty() && std::chrono::steady_clock::now() - ownerUrlReadAt_ < kOwnerUrlTtl) {
      return cachedOwnerUrl_;
    }
  }
  std::string url;
  store_->read([&](soci::session& sql) {
    soci::indicator present = soci::i_null;
    sql << "SELECT advertise_url FROM owner_lease WHERE singleton = 1", soci::into(url, present);
    if (present != soci::i_ok) url.clear();
  });
  std::lock_guard lock(leaseMutex_);
  cachedOwnerUrl_ = url;
  ownerUrlReadAt_ = std::chrono::steady_clock::now();
  return url;
}

void SeatOwner::forward(const http::Request& request, std::function<void(std::optional<http::Response>)> answer) {
  if (store_ == nullptr) return answer(std::nullopt);  // not started
  auto resolve = [this] {
    auto url = ownerUrl();
    // The lease names this instance (it owned the seats and lost them) or no one: nobody to ask.
    return url == advertiseUrl_ ? std::string() : url;
  };
  forwarder_.forward(resolve, request, [this, answer = std::move(answer)](std::optional<http::Response> response) {
    // No answer, or an instance that no longer owns the seats: read the lease again next time.
    if (!response ||
        (response->status == 503 && response->body.find("inventory-owner-unavailable") != std::string::npos)) {
      std::lock_guard lock(leaseMutex_);
      cachedOwnerUrl_.clear();
    }
    answer(std::move(response));
  });
}

}  // namespace boxoffice::app
