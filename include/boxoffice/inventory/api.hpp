#pragma once
// The inventory module's public facade. Other modules hold an InventoryQueries reference handed
// to them by the composition root; they never read inventory's database.
#include <optional>
#include <string>
#include <vector>

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

}  // namespace boxoffice::inventory
