#include "app/stores.hpp"

#include <filesystem>
#include <stdexcept>

#include "app/postgres_storage.hpp"

namespace boxoffice::app {

Stores::Stores(const Config& config, Logger log, Purpose purpose)
    : config_(config), log_(std::move(log)), purpose_(purpose) {}

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
    auto store = std::make_unique<Database>(std::move(options), log_.forModule(name));
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
