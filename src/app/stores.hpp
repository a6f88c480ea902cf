#pragma once
// The modules' databases: one file per module under storage.dataDir, or one schema per module in
// one PostgreSQL database (storage.backend). Opening a store applies its pending migrations, on
// SQLite always; on PostgreSQL only for `boxoffice migrate` (Purpose::Migrate), since only it
// creates tables; otherwise it checks that they are all applied. This is a step of its own,
// before and apart from building modules: `boxoffice migrate` opens every store and builds no
// module at all.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"

namespace boxoffice::app {

class Stores {
 public:
  // Serve: the stores of a serving instance (on PostgreSQL, inventory's writer holds the lock that
  // keeps a second instance off the same database). Use: any other command that reads or writes.
  enum class Purpose { Use, Serve, Migrate };
  // `inventoryWriterHook`: for Serve on PostgreSQL with more than one instance (seat_owner.hpp),
  // what inventory's writer session runs instead of the single-instance fence.
  Stores(const Config& config, Logger log, Purpose purpose = Purpose::Use,
         std::function<void(soci::session&)> inventoryWriterHook = {});

  // Opens <storage.dataDir>/<module>.db and applies its pending migrations. Throws
  // std::logic_error if that module's store is already open (two handles, two writers).
  Database& open(std::string_view module);
  // The store of `module`, opened before; std::logic_error if it was not (a module built
  // without its store is a wiring mistake in the composition root).
  Database& at(std::string_view module) const;

 private:
  const Config& config_;
  Logger log_;
  Purpose purpose_;
  std::function<void(soci::session&)> inventoryWriterHook_;
  std::map<std::string, std::unique_ptr<Database>, std::less<>> stores_;
};

}  // namespace boxoffice::app
