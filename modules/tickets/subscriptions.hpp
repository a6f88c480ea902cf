#pragma once
// What the tickets module hears (private to the module): completed orders issue tickets, seats
// that come back (refunds, chargebacks) void them, a cancelled or deleted event voids all of its.
// module.cpp subscribes with this list; tools/message_catalogue.cpp prints it.
#include <string_view>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/message.hpp"
#include "boxoffice/orders/messages.hpp"

namespace boxoffice::tickets {

struct Subscriptions {
  static constexpr std::string_view module = "tickets";
  using Subscribes = MessageList<orders::messages::OrderCompleted, inventory::messages::SeatsReturned,
                                 events::messages::EventCancelled, events::messages::EventDeleted>;
};

}  // namespace boxoffice::tickets
