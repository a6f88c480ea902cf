#pragma once
// What the events module hears (private to the module). Capacity has one rule but two routes:
// an organizer edits an event's price categories here, or changes a category's seats through
// inventory's capacity route (seed 000), which checks the same rule and announces the change.
// Either way both modules end up with the same seats: events adopts what inventory announces.
// module.cpp subscribes with this list; tools/message_catalogue.cpp prints it.
#include <string_view>

#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/message.hpp"

namespace boxoffice::events {

struct Subscriptions {
  static constexpr std::string_view module = "events";
  using Subscribes = MessageList<inventory::messages::CapacityChanged>;
};

}  // namespace boxoffice::events
