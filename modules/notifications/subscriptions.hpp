#pragma once
// What the notifications module hears (private facts of the module, not its contract): every
// message it tells people about, and the ones that keep its read model (users, events, buyers
// per event) current. module.cpp subscribes with this list; tools/message_catalogue.cpp prints it.
#include <string_view>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/identity/messages.hpp"
#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/message.hpp"
#include "boxoffice/orders/messages.hpp"
#include "boxoffice/payments/messages.hpp"
#include "boxoffice/tickets/messages.hpp"

namespace boxoffice::notifications {

struct Subscriptions {
  static constexpr std::string_view module = "notifications";
  using Subscribes =
      MessageList<identity::messages::UserRegistered, identity::messages::RegistrationAttempted,
                  // Events: the read model (name, organizer, start, venue, status) and the buyers' news.
                  events::messages::EventCreated, events::messages::EventUpdated, events::messages::EventPublished,
                  events::messages::EventCancelled, events::messages::EventDeleted, events::messages::EventCompleted,
                  // Orders: the buyer's news, and buyers per event.
                  orders::messages::OrderCompleted, orders::messages::OrderFailed, orders::messages::OrderCancelled,
                  orders::messages::OrderRefunded, payments::messages::PaymentFailed,
                  payments::messages::PaymentRefunded, inventory::messages::ReservationExpired,
                  inventory::messages::LowInventory, inventory::messages::SoldOut,
                  // Tickets: a ticket passed on, to an account or to an email without one.
                  tickets::messages::TicketTransferred, tickets::messages::TicketTransferOffered>;
};

}  // namespace boxoffice::notifications
