#pragma once
// Business rules about an event's lifecycle and edits that need stored state, kept free of
// storage and HTTP so they can be unit tested.
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/inventory/api.hpp"
#include "boxoffice/kernel/auth.hpp"
#include "model.hpp"

namespace boxoffice::events {

// Who may see a Draft: its organizer and Admins. Any other status is public.
bool canSee(const std::optional<auth::Principal>& caller, const Event& event);
// Who may change an event: an Admin, or its organizer while holding events:update.
bool canEdit(const auth::Principal& caller, const Event& event);

// What inventory knows about an event, as the edit rules need it.
struct InventoryView {
  bool available = false;                                      // false: the inventory module is not built in
  std::optional<std::vector<inventory::CategoryUsage>> usage;  // nullopt: no inventory yet
};

// Checks an edit of an event in `status`. Throws Problem 409:
//  - event-final         Cancelled and Completed events cannot be edited;
//  - price-category-in-use  on a Published event a price category may grow, be added, or change
//    its name or price, but it may not shrink below the seats held plus sold, be removed while
//    it has held or sold seats, or change currency while anything is held or sold. When
//    inventory cannot tell (module absent or event not known to it yet) any such change is
//    refused, because something may have been sold.
void checkEdit(Status status, const EventContent& before, const EventContent& after, const InventoryView& inventory);

// Draft -> Published needs at least one price category and a start in the future.
void checkPublish(const Event& event, TimePoint now);
// Draft or Published -> Cancelled.
void checkCancel(const Event& event);

// API names of the fields that differ ("name", "startsAt", "venue", "priceCategories", ...).
std::vector<std::string> changedFields(const EventContent& before, const EventContent& after);

}  // namespace boxoffice::events
