#pragma once
// What the orders module hears and sends (private facts of the module, not its contract). The
// checkout saga moves only by messages: it sends commands to inventory and payments (`Sends`)
// and reacts to their replies and to the other modules' news (`Subscriptions`). module.cpp
// subscribes with these lists; tools/message_catalogue.cpp prints them.
#include <string_view>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/message.hpp"
#include "boxoffice/payments/messages.hpp"

namespace boxoffice::orders {

struct Subscriptions {
  static constexpr std::string_view module = "orders";
  using Subscribes = MessageList<
      // Replies from inventory, and holds that end on their own.
      inventory::messages::SeatsHeld, inventory::messages::SeatsNotHeld, inventory::messages::SeatsConfirmed,
      inventory::messages::SeatsNotConfirmed, inventory::messages::SeatsReleased, inventory::messages::SeatsReturned,
      inventory::messages::ReservationExpired, inventory::messages::ReservationReleased,
      // Replies and news from payments.
      payments::messages::PaymentCompleted, payments::messages::PaymentFailed, payments::messages::PaymentRefunded,
      payments::messages::PaymentChargedBack,
      // An event that will not happen refunds and cancels its paid orders.
      events::messages::EventCancelled, events::messages::EventDeleted>;
};

// The commands the saga sends.
struct Sends {
  static constexpr std::string_view module = "orders";
  using Commands =
      MessageList<inventory::messages::HoldSeats, inventory::messages::ConfirmSeats, inventory::messages::ReleaseSeats,
                  inventory::messages::ReturnSeats, payments::messages::ChargePayment, payments::messages::VoidPayment,
                  payments::messages::RefundPayment>;
};

}  // namespace boxoffice::orders
