#pragma once
// The inventory module's contract: the read-only InventoryQueries other modules may call (seats
// held and sold per price category), the module object for the composition root, and its config
// keys. Holds, confirmation, release and returns are HTTP routes and the checkout saga's
// commands (messages.hpp: HoldSeats, ConfirmSeats, ReleaseSeats, ReturnSeats), not calls; other
// modules never read inventory.db.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/kernel/module.hpp"

namespace boxoffice {
struct ConfigKey;  // boxoffice/kernel/config.hpp, for whoever calls configKeys()
}  // namespace boxoffice

namespace boxoffice::inventory {

struct CategoryUsage {
  std::string categoryId;
  int totalSeats = 0;
  int reservedSeats = 0;  // held, not yet paid
  int soldSeats = 0;
};

class InventoryQueries {
 public:
  virtual ~InventoryQueries() = default;
  // Seats held and sold per price category; nullopt if the event has no inventory yet.
  virtual std::optional<std::vector<CategoryUsage>> usage(const std::string& eventId) const = 0;
};

class InventoryModule : public Module {
 public:
  virtual const InventoryQueries& queries() const = 0;
};

// inventory.* keys: rule defaults, group-commit batch size, live-update rate.
std::vector<ConfigKey> configKeys();
std::unique_ptr<InventoryModule> createModule(const ModuleDeps& deps);

}  // namespace boxoffice::inventory
