#pragma once
// What the inventory module subscribes to (a private fact of the module, not part of its
// contract): an event's inventory follows the event, built from EventCreated and adjusted by
// every change; and the checkout saga's commands on "inventory-commands" (its contract's
// `Accepts`). module.cpp subscribes with it; tools/message_catalogue.cpp lists it.
#include <string_view>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/message.hpp"

namespace boxoffice::inventory {

struct Subscriptions {
  static constexpr std::string_view module = "inventory";
  using Subscribes =
      MessageList<events::messages::EventCreated, events::messages::EventUpdated, events::messages::EventPublished,
                  events::messages::EventCancelled, events::messages::EventDeleted, events::messages::EventCompleted,
                  messages::HoldSeats, messages::ConfirmSeats, messages::ReleaseSeats, messages::ReturnSeats>;
};

}  // namespace boxoffice::inventory
