#pragma once
// The events module's public facade: the catalogue of shows (seed 000 EventManagement, seed 003
// Concert service). Other modules learn about events from its messages (messages.hpp) and,
// when they must ask synchronously, from EventQueries. They never read events.db.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/kernel/module.hpp"

namespace boxoffice {
struct ConfigKey;  // boxoffice/kernel/config.hpp, for whoever calls configKeys()
}  // namespace boxoffice
namespace boxoffice::inventory {
// Only a pointer crosses this contract; the events module's sources (USES inventory) and the
// composition root include boxoffice/inventory/api.hpp, so this contract depends on no other.
class InventoryQueries;
}  // namespace boxoffice::inventory

namespace boxoffice::events {

// The same shape every message carries: id, name, category, organizerId, status, startsAt,
// endsAt, timezone, venue, maxCapacity, priceCategories, version.
using EventView = messages::EventState;

class EventQueries {
 public:
  virtual ~EventQueries() = default;
  // The event in any status (Draft included); nullopt if unknown or soft-deleted.
  virtual std::optional<EventView> findEvent(const std::string& eventId) const = 0;
};

class EventsModule : public Module {
 public:
  // Valid for the module's lifetime; callable from any thread.
  virtual const EventQueries& queries() const = 0;
};

// events.searchMaxQueryLength, events.completionSweepSeconds, events.listCountCacheEntries,
// events.documentCacheEntries, events.zoneinfoDir.
std::vector<ConfigKey> configKeys();

// What the events module gets from other modules, handed over by the composition root.
struct Collaborators {
  // nullptr when the inventory module is not built in. Then an edit that needs to know how many
  // seats are held or sold (shrinking or removing a price category, changing the currency) is
  // allowed only while nothing can have been sold, i.e. for Draft events; on a Published event
  // it is rejected with 409.
  const inventory::InventoryQueries* inventory = nullptr;
  // The organizer that owns the demo catalogue loaded by `serve --demo` (loadDemoData): the id
  // of identity's demo organizer account, so reloading is deterministic; an Admin can edit them.
  // The composition root fills it, so events need not depend on identity's contract.
  std::string demoOrganizerId;
};

// Returns an EventsModule (a Module) so the composition root can hand queries() to others.
std::unique_ptr<EventsModule> createModule(const ModuleDeps& deps, Collaborators collaborators);

}  // namespace boxoffice::events
