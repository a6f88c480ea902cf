#include "app/stores.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>

#include "app/postgres_storage.hpp"
#include "boxoffice/kernel/storage_error.hpp"

namespace boxoffice::app {

namespace {

// Inventory decides seats in one process's memory (modules/inventory/engine.hpp), so on a shared
// PostgreSQL database exactly one instance may write its schema. Its writer session holds this
// session-level advisory lock: a second `serve` cannot take it and stops at start, and a writer
// session that was lost (the lock went with it) must take it again before its next write. If
// another instance took it meanwhile, this one's seat writes fail with 503 instead of deciding
// seats against a stale copy: the lock is the fence. (Advisory locks are per database.)
constexpr const char* kInventoryWriterLock =
    "SELECT CASE WHEN pg_try_advisory_lock(hashtext('boxoffice.inventory.writer')) THEN 1 ELSE 0 END";
constexpr const char* kInventoryTaken =
    "another boxoffice instance is serving this PostgreSQL database (it holds the inventory writer's lock): "
    "more than one instance per database is not supported yet (docs/deployment.md)";

// At start it waits a little: an instance killed a moment ago (a restart after kill -9) may still
// hold the lock until PostgreSQL has noticed its connection is gone.
std::function<void(soci::session&)> inventoryWriterFence() {
  auto starting = std::make_shared<bool>(true);
  return [starting](soci::session& session) {
    auto giveUp = std::chrono::steady_clock::now() + (*starting ? std::chrono::seconds(5) : std::chrono::seconds(0));
    *starting = false;
    for (;;) {
      int held = 0;
      session << kInventoryWriterLock, soci::into(held);
      if (held == 1) return;
      if (std::chrono::steady_clock::now() >= giveUp) throw StorageUnavailable(kInventoryTaken);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  };
}

}  // namespace

Stores::Stores(const Config& config, Logger log, Purpose purpose,
               std::function<void(soci::session&)> inventoryWriterHook)
    : config_(config), log_(std::move(log)), purpose_(purpose), inventoryWriterHook_(std::move(inventoryWriterHook)) {}

Database& Stores::open(std::string_view module) {
  if (stores_.contains(module))
    throw std::logic_error("the store of module " + std::string(module) + " is already open");
  std::string name(module);
  if (usesPostgres(config_)) {
    Database::Options options{{},
                              name,
                              static_cast<int>(config_.getInt("storage.busyTimeoutMs")),
                              static_cast<int>(config_.getInt("storage.postgresql.readers"))};
    options.postgres = moduleConnection(config_, name);
    if (purpose_ == Purpose::Serve && name == "inventory") {
      options.onWriterSession = inventoryWriterHook_ ? inventoryWriterHook_ : inventoryWriterFence();
    }
    std::unique_ptr<Database> store;
    try {
      store = std::make_unique<Database>(std::move(options), log_.forModule(name));
    } catch (const StorageUnavailable& refused) {
      if (std::string_view(refused.what()) == kInventoryTaken) throw StartupError(kInventoryTaken);
      throw;
    }
    if (purpose_ == Purpose::Migrate) {
      store->migrate(embeddedMigrations());
    } else {
      store->checkMigrated(embeddedMigrations());
    }
    return *stores_.emplace(std::move(name), std::move(store)).first->second;
  }
  auto dataDir = std::filesystem::path(config_.getString("storage.dataDir"));
  Database::Options options{dataDir / (name + ".db"), name, static_cast<int>(config_.getInt("storage.busyTimeoutMs"))};
  options.checkpoints = {static_cast<int>(config_.getInt("storage.walCheckpointPages")),
                         static_cast<int>(config_.getInt("storage.walRestartPages")),
                         static_cast<int>(config_.getInt("storage.walRestartWaitMs"))};
  auto store = std::make_unique<Database>(std::move(options), log_.forModule(name));
  store->migrate(embeddedMigrations());
  return *stores_.emplace(std::move(name), std::move(store)).first->second;
}

Database& Stores::at(std::string_view module) const {
  auto it = stores_.find(module);
  if (it == stores_.end()) {
    throw std::logic_error("the store of module " + std::string(module) + " was not opened before building it");
  }
  return *it->second;
}

}  // namespace boxoffice::app
