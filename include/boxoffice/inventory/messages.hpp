#pragma once
// Integration messages the inventory module publishes on topic "tickets", each written to the
// inventory outbox in the same transaction as the change it reports (its `Messaging` contract), and
// the commands it accepts on topic "inventory-commands" (`Commands`: the checkout saga's requests,
// sent by the orders module; each answered by a reply on "tickets"). What it subscribes to is
// private: modules/inventory/subscriptions.hpp. JSON: boxoffice/kernel/message_json.hpp.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/message.hpp"

namespace boxoffice::inventory::messages {

// A hold as every reservation message reports it; also the API's reservation document.
struct ReservationState {
  std::string reservationId;
  std::string eventId;
  std::string userId;
  std::string sessionId;
  std::string categoryId;
  int ticketCount = 0;
  Money amount;                        // ticketCount * price at the time of the hold
  std::string reservedAt;              // RFC 3339 UTC
  std::string expiresAt;               // RFC 3339 UTC
  std::string status;                  // Reserved | Confirmed | Expired | Cancelled | Returned
  int returnedCount = 0;               // sold seats given back (refund, chargeback); Returned when all are
  std::optional<std::string> orderId;  // the order whose saga placed the hold; absent for API holds
};
BOOST_DESCRIBE_STRUCT(ReservationState, (),
                      (reservationId, eventId, userId, sessionId, categoryId, ticketCount, amount, reservedAt,
                       expiresAt, status, returnedCount, orderId))

struct TicketsReserved : ReservationState {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "TicketsReserved";  // seed 003: SeatsReserved
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "A hold was placed.";
};
BOOST_DESCRIBE_STRUCT(TicketsReserved, (ReservationState), ())

struct ReservationConfirmed : ReservationState {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "ReservationConfirmed";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "A hold became sold seats (after payment).";
};
BOOST_DESCRIBE_STRUCT(ReservationConfirmed, (ReservationState), ())

struct ReservationReleased : ReservationState {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "ReservationReleased";  // seed 003: SeatsReleased
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "A hold was given back by its holder, an Admin, or an event cancellation or deletion.";
  std::string reason;  // released | eventCancelled | eventDeleted
};
BOOST_DESCRIBE_STRUCT(ReservationReleased, (ReservationState), (reason))

struct ReservationExpired : ReservationState {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "ReservationExpired";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "A hold ran out of time; its seats are available again.";
};
BOOST_DESCRIBE_STRUCT(ReservationExpired, (ReservationState), ())

struct CapacityChanged {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "CapacityChanged";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "A price category's total seats changed.";
  std::string eventId;
  std::string categoryId;
  int previousTotalSeats = 0;
  int totalSeats = 0;
  int totalCapacity = 0;  // the event's seats over all categories, after the change
};
BOOST_DESCRIBE_STRUCT(CapacityChanged, (), (eventId, categoryId, previousTotalSeats, totalSeats, totalCapacity))

// Once per crossing: re-armed when seats come back above the threshold.
struct LowInventory {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "LowInventory";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Available seats fell to or below the event's threshold.";
  std::string eventId;
  int availableTickets = 0;
  int threshold = 0;
};
BOOST_DESCRIBE_STRUCT(LowInventory, (), (eventId, availableTickets, threshold))

// Once per crossing: re-armed when seats come back.
struct SoldOut {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "SoldOut";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "No seats are left to hold.";
  std::string eventId;
  int soldTickets = 0;
  int reservedTickets = 0;
};
BOOST_DESCRIBE_STRUCT(SoldOut, (), (eventId, soldTickets, reservedTickets))

// ---- The checkout saga's commands (topic "inventory-commands") and their replies ("tickets") ----
// Every command names the order it serves and is idempotent by order id (HoldSeats, ConfirmSeats,
// ReleaseSeats) or by return id (ReturnSeats): a repeated command changes nothing and repeats the
// reply, so the saga may resend after a crash. The reply's correlationId is the command's.

struct SeatCount {
  std::string categoryId;
  int ticketCount = 0;
};
BOOST_DESCRIBE_STRUCT(SeatCount, (), (categoryId, ticketCount))

// One hold of an order, as replies report it.
struct OrderHold {
  std::string reservationId;
  std::string categoryId;
  int ticketCount = 0;
  Money amount;  // what the hold costs: ticketCount * the category's price when it was placed
};
BOOST_DESCRIBE_STRUCT(OrderHold, (), (reservationId, categoryId, ticketCount, amount))

struct HoldSeats {
  static constexpr std::string_view topic = topics::inventoryCommands;
  static constexpr std::string_view type = "HoldSeats";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Command: hold seats for an order, all items or none; or adopt the buyer's existing hold. "
      "Replied to by SeatsHeld or SeatsNotHeld.";
  std::string orderId;
  std::string userId;
  std::string eventId;
  std::vector<SeatCount> items;              // empty when adopting
  std::optional<std::string> reservationId;  // adopt this active hold of userId instead
};
BOOST_DESCRIBE_STRUCT(HoldSeats, (), (orderId, userId, eventId, items, reservationId))

struct ConfirmSeats {
  static constexpr std::string_view topic = topics::inventoryCommands;
  static constexpr std::string_view type = "ConfirmSeats";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Command: the order is paid, sell its held seats. A hold that expired meanwhile is held again "
      "(same category, count and price) if seats remain. Replied to by SeatsConfirmed or SeatsNotConfirmed.";
  std::string orderId;
  std::string eventId;
};
BOOST_DESCRIBE_STRUCT(ConfirmSeats, (), (orderId, eventId))

struct ReleaseSeats {
  static constexpr std::string_view topic = topics::inventoryCommands;
  static constexpr std::string_view type = "ReleaseSeats";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Command: give back every active hold of the order (a compensation). Replied to by SeatsReleased.";
  std::string orderId;
  std::string eventId;
  std::string reason;  // paymentFailed | orderCancelled | sagaTimedOut | orderFailed
};
BOOST_DESCRIBE_STRUCT(ReleaseSeats, (), (orderId, eventId, reason))

struct ReturnSeats {
  static constexpr std::string_view topic = topics::inventoryCommands;
  static constexpr std::string_view type = "ReturnSeats";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Command: sold seats of the order come back on sale (a refund or a chargeback). Replied to by SeatsReturned.";
  std::string orderId;
  std::string eventId;
  std::string returnId;          // the refund's or chargeback's id: the command's idempotency key
  std::string reason;            // refund | chargeback | eventCancelled | orderCancelled
  std::vector<SeatCount> items;  // empty: every seat of the order not yet returned
};
BOOST_DESCRIBE_STRUCT(ReturnSeats, (), (orderId, eventId, returnId, reason, items))

struct SeatsHeld {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "SeatsHeld";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Reply to HoldSeats: every item of the order is held.";
  std::string orderId;
  std::string eventId;
  std::string userId;
  std::vector<OrderHold> holds;
  Money total;
  std::string expiresAt;  // the earliest hold expiry, RFC 3339 UTC
};
BOOST_DESCRIBE_STRUCT(SeatsHeld, (), (orderId, eventId, userId, holds, total, expiresAt))

struct SeatsNotHeld {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "SeatsNotHeld";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Reply to HoldSeats: nothing was held, and why.";
  std::string orderId;
  std::string eventId;
  std::string userId;
  // The problem type's slug: not-enough-seats | ticket-limit-exceeded | not-on-sale | event-not-found |
  // reservation-not-found | reservation-expired | ... (docs/problems.md)
  std::string reason;
  std::string detail;  // one sentence for people
};
BOOST_DESCRIBE_STRUCT(SeatsNotHeld, (), (orderId, eventId, userId, reason, detail))

struct SeatsConfirmed {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "SeatsConfirmed";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Reply to ConfirmSeats: the order's seats are sold.";
  std::string orderId;
  std::string eventId;
  std::string userId;
  std::vector<OrderHold> holds;  // the sold reservations (a hold placed again has a new id)
  bool heldAgain = false;        // a hold had expired and was placed again
};
BOOST_DESCRIBE_STRUCT(SeatsConfirmed, (), (orderId, eventId, userId, holds, heldAgain))

struct SeatsNotConfirmed {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "SeatsNotConfirmed";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Reply to ConfirmSeats: the seats could not be sold (a hold expired and the seats are gone, or the event "
      "was cancelled); nothing of the order is held or sold.";
  std::string orderId;
  std::string eventId;
  std::string userId;
  std::string reason;  // a problem slug, as in SeatsNotHeld
  std::string detail;
};
BOOST_DESCRIBE_STRUCT(SeatsNotConfirmed, (), (orderId, eventId, userId, reason, detail))

struct SeatsReleased {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "SeatsReleased";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Reply to ReleaseSeats: the order holds nothing any more.";
  std::string orderId;
  std::string eventId;
  int ticketCount = 0;  // seats this command gave back (0 when nothing was held)
};
BOOST_DESCRIBE_STRUCT(SeatsReleased, (), (orderId, eventId, ticketCount))

struct SeatsReturned {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "SeatsReturned";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Sold seats came back on sale (reply to ReturnSeats: a refund or a chargeback).";
  std::string orderId;
  std::string eventId;
  std::string userId;
  std::string returnId;
  std::string reason;
  std::vector<SeatCount> items;  // what was returned now, per category
  int ticketCount = 0;           // their sum
};
BOOST_DESCRIBE_STRUCT(SeatsReturned, (), (orderId, eventId, userId, returnId, reason, items, ticketCount))

struct Messaging {
  static constexpr std::string_view module = "inventory";
  using Publishes = MessageList<TicketsReserved, ReservationConfirmed, ReservationReleased, ReservationExpired,
                                CapacityChanged, LowInventory, SoldOut, SeatsHeld, SeatsNotHeld, SeatsConfirmed,
                                SeatsNotConfirmed, SeatsReleased, SeatsReturned>;
  // Commands other modules send it (topic "inventory-commands").
  using Accepts = MessageList<HoldSeats, ConfirmSeats, ReleaseSeats, ReturnSeats>;
};

}  // namespace boxoffice::inventory::messages
