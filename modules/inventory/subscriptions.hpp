#pragma once
// What the inventory module subscribes to (a private fact of the module, not part of its
// contract): an event's inventory follows the event, built from EventCreated and adjusted by
// every change. module.cpp subscribes with it; tools/message_catalogue.cpp lists it.
#include <string_view>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/kernel/message.hpp"

namespace boxoffice::inventory {

struct Subscriptions {
  static constexpr std::string_view module = "inventory";
  using Subscribes =
      MessageList<events::messages::EventCreated, events::messages::EventUpdated, events::messages::EventPublished,
                  events::messages::EventCancelled, events::messages::EventDeleted, events::messages::EventCompleted>;
};

}  // namespace boxoffice::inventory
