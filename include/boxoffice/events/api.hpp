#pragma once
// The events module's public facade: the catalogue of shows (seed 000 EventManagement, seed 003
// Concert service). Other modules learn about events from its messages (messages.hpp) and,
// when they must ask synchronously, from EventQueries. They never read events.db.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/identity/api.hpp"
#include "boxoffice/inventory/api.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/module.hpp"

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

// The organizer that owns the demo catalogue loaded by `serve --demo` (loadDemoData). Demo
// events are owned by this fixed id so reloading is deterministic; an Admin can edit them.
inline constexpr std::string_view kDemoOrganizerId = identity::kDemoOrganizerUserId;

// events.searchMaxQueryLength, events.completionSweepSeconds, events.listCountCacheEntries,
// events.zoneinfoDir.
std::vector<ConfigKey> configKeys();

// `inventory` may be nullptr when the inventory module is not built in. Then an edit that needs
// to know how many seats are held or sold (shrinking or removing a price category, changing
// the currency) is allowed only while nothing can have been sold, i.e. for Draft events;
// on a Published event it is rejected with 409.
// Returns an EventsModule (a Module) so the composition root can hand queries() to others.
std::unique_ptr<EventsModule> createModule(const ModuleDeps& deps, const inventory::InventoryQueries* inventory);

}  // namespace boxoffice::events
