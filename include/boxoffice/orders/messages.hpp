#pragma once
// Integration messages the orders module publishes on topic "orders" (its `Messaging` contract),
// each written to the orders outbox in the same transaction as the order's change. The checkout
// saga's commands it sends to inventory and payments are theirs (their messages.hpp, `Accepts`);
// what it sends and subscribes to is private: modules/orders/subscriptions.hpp. JSON:
// boxoffice/kernel/message_json.hpp.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/message.hpp"

namespace boxoffice::orders::messages {

struct OrderItem {
  std::string categoryId;
  int ticketCount = 0;
  Money unitPrice;  // from the hold: a later repricing of the event does not change the order
  Money amount;     // ticketCount * unitPrice
};
BOOST_DESCRIBE_STRUCT(OrderItem, (), (categoryId, ticketCount, unitPrice, amount))

// An order as every order message reports it.
struct OrderState {
  std::string orderId;
  std::string userId;
  std::string eventId;
  std::string status;  // Pending | Reserved | Paid | Completed | Cancelled | Failed | Refunded | PartiallyRefunded
  std::vector<OrderItem> items;  // unit prices known once the seats are held
  Money total;
  std::vector<std::string> reservationIds;
  std::optional<std::string> paymentId;
  std::string updatedAt;  // RFC 3339 UTC
};
BOOST_DESCRIBE_STRUCT(OrderState, (),
                      (orderId, userId, eventId, status, items, total, reservationIds, paymentId, updatedAt))

struct OrderPlaced : OrderState {
  static constexpr std::string_view topic = topics::orders;
  static constexpr std::string_view type = "OrderPlaced";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "A buyer placed an order; the checkout saga starts.";
};
BOOST_DESCRIBE_STRUCT(OrderPlaced, (OrderState), ())

struct OrderReserved : OrderState {
  static constexpr std::string_view topic = topics::orders;
  static constexpr std::string_view type = "OrderReserved";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Every seat of the order is held (seed 003: TicketReserved).";
  std::string expiresAt;  // pay before this
};
BOOST_DESCRIBE_STRUCT(OrderReserved, (OrderState), (expiresAt))

struct OrderCompleted : OrderState {
  static constexpr std::string_view topic = topics::orders;
  static constexpr std::string_view type = "OrderCompleted";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Paid and the seats sold: the purchase is done (seed 000's SendConfirmation step: the buyer is told).";
};
BOOST_DESCRIBE_STRUCT(OrderCompleted, (OrderState), ())

struct OrderCancelled : OrderState {
  static constexpr std::string_view topic = topics::orders;
  static constexpr std::string_view type = "OrderCancelled";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "The order was cancelled (by its buyer before payment, an Admin, a chargeback, or its event's cancellation).";
  std::string reason;  // byBuyer | byAdmin | chargeback | eventCancelled | eventDeleted | holdExpired | holdReleased
};
BOOST_DESCRIBE_STRUCT(OrderCancelled, (OrderState), (reason))

struct OrderFailed : OrderState {
  static constexpr std::string_view topic = topics::orders;
  static constexpr std::string_view type = "OrderFailed";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "The checkout failed. Published when it fails: compensation (releasing the holds, refunding a charge) may "
      "still be under way, and the saga ends once it is answered.";
  std::string step;    // ValidateInventory | ProcessPayment | ConfirmInventory
  std::string reason;  // a problem slug from the failing step (not-enough-seats, card-declined, ...)
  std::string detail;
};
BOOST_DESCRIBE_STRUCT(OrderFailed, (OrderState), (step, reason, detail))

struct OrderRefunded : OrderState {
  static constexpr std::string_view topic = topics::orders;
  static constexpr std::string_view type = "OrderRefunded";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Some or all of the order's money went back to the buyer.";
  std::string refundId;
  Money refunded;       // this refund
  Money refundedTotal;  // all refunds of the order so far
  std::string reason;
};
BOOST_DESCRIBE_STRUCT(OrderRefunded, (OrderState), (refundId, refunded, refundedTotal, reason))

struct Messaging {
  static constexpr std::string_view module = "orders";
  using Publishes = MessageList<OrderPlaced, OrderReserved, OrderCompleted, OrderCancelled, OrderFailed, OrderRefunded>;
};

}  // namespace boxoffice::orders::messages
