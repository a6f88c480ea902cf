#include "app/stores.hpp"

#include <filesystem>
#include <stdexcept>

namespace boxoffice::app {

Stores::Stores(const Config& config, Logger log) : config_(config), log_(std::move(log)) {}

Database& Stores::open(std::string_view module) {
  if (stores_.contains(module))
    throw std::logic_error("the store of module " + std::string(module) + " is already open");
  std::string name(module);
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
