#include "rules.hpp"

#include <algorithm>

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice::events {

namespace {

const PriceCategory* findCategory(const std::vector<PriceCategory>& categories, const std::string& id) {
  auto it = std::find_if(categories.begin(), categories.end(), [&](const auto& c) { return c.categoryId == id; });
  return it == categories.end() ? nullptr : &*it;
}

Problem inUse(std::string detail) {
  return Problem::conflict("price-category-in-use", "Price category change not allowed.", std::move(detail));
}

// Seats held plus sold in one category, or nullopt when inventory cannot tell.
std::optional<int> committedSeats(const InventoryView& inventory, const std::string& categoryId) {
  if (!inventory.available || !inventory.usage) return std::nullopt;
  for (const auto& u : *inventory.usage) {
    if (u.categoryId == categoryId) return u.reservedSeats + u.soldSeats;
  }
  return 0;  // inventory knows the event but not this category: nothing committed in it
}

std::string unknownReason(const InventoryView& inventory) {
  return inventory.available ? "the inventory for this event is not ready yet, so sold seats cannot be checked"
                             : "inventory is not available to check sold seats";
}

}  // namespace

bool canSee(const std::optional<auth::Principal>& caller, const Event& event) {
  if (event.status != Status::Draft) return true;
  return caller && (caller->isAdmin() || caller->userId == event.organizerId);
}

bool canEdit(const auth::Principal& caller, const Event& event) {
  if (caller.isAdmin()) return true;
  return caller.userId == event.organizerId && caller.can(auth::Permission::EventsUpdate);
}

void checkEdit(Status status, const EventContent& before, const EventContent& after, const InventoryView& inventory) {
  if (status == Status::Cancelled || status == Status::Completed) {
    throw Problem::conflict("event-final", "Event can no longer be changed.",
                            "A " + std::string(to_string(status)) + " event cannot be edited.");
  }
  if (status != Status::Published) return;  // a Draft has sold nothing: anything valid goes

  for (const auto& old : before.priceCategories) {
    const auto* now = findCategory(after.priceCategories, old.categoryId);
    bool removed = now == nullptr;
    bool shrunk = now && now->totalSeats < old.totalSeats;
    bool currencyChanged = now && now->price.currency != old.price.currency;
    if (!removed && !shrunk && !currencyChanged) continue;

    auto committed = committedSeats(inventory, old.categoryId);
    if (!committed) {
      throw inUse("Price category '" + old.categoryId +
                  "' of a Published event can only grow: " + unknownReason(inventory) + ".");
    }
    if (removed && *committed > 0) {
      throw inUse("Price category '" + old.categoryId + "' has " + std::to_string(*committed) +
                  " seats held or sold and cannot be removed.");
    }
    if (shrunk && now->totalSeats < *committed) {
      throw inUse("Price category '" + old.categoryId + "' has " + std::to_string(*committed) +
                  " seats held or sold; totalSeats cannot go below that.");
    }
    if (currencyChanged && *committed > 0) {
      throw inUse("Price category '" + old.categoryId + "' has seats held or sold in " + old.price.currency +
                  "; its currency cannot change.");
    }
  }
}

void checkPublish(const Event& event, TimePoint now) {
  if (event.status != Status::Draft) {
    throw Problem::conflict(
        "invalid-status-transition", "Event status does not allow this change.",
        "Only a Draft event can be published; this one is " + std::string(to_string(event.status)) + ".");
  }
  if (event.content.priceCategories.empty()) {
    throw Problem::conflict("event-not-sellable", "Event cannot be published.",
                            "Add at least one price category before publishing.");
  }
  if (event.content.startsAt <= now) {
    throw Problem::conflict("event-not-sellable", "Event cannot be published.",
                            "The event starts in the past; move startsAt first.");
  }
}

void checkCancel(const Event& event) {
  if (event.status == Status::Cancelled || event.status == Status::Completed) {
    throw Problem::conflict("invalid-status-transition", "Event status does not allow this change.",
                            "The event is already " + std::string(to_string(event.status)) + ".");
  }
}

std::vector<std::string> changedFields(const EventContent& before, const EventContent& after) {
  std::vector<std::string> fields;
  if (before.name != after.name) fields.emplace_back("name");
  if (before.description != after.description) fields.emplace_back("description");
  if (before.category != after.category) fields.emplace_back("category");
  if (before.startsAt != after.startsAt) fields.emplace_back("startsAt");
  if (before.endsAt != after.endsAt) fields.emplace_back("endsAt");
  if (before.timezone != after.timezone) fields.emplace_back("timezone");
  if (before.venue != after.venue) fields.emplace_back("venue");
  if (before.maxCapacity != after.maxCapacity) fields.emplace_back("maxCapacity");
  if (before.priceCategories != after.priceCategories) fields.emplace_back("priceCategories");
  return fields;
}

}  // namespace boxoffice::events
