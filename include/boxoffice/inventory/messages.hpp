#pragma once
// Integration messages the inventory module publishes on topic "tickets", each written to the
// inventory outbox in the same transaction as the change it reports (its `Messaging` contract; what
// it subscribes to is private: modules/inventory/subscriptions.hpp). JSON:
// boxoffice/kernel/message_json.hpp.
#include <string>
#include <string_view>

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
  Money amount;            // ticketCount * price at the time of the hold
  std::string reservedAt;  // RFC 3339 UTC
  std::string expiresAt;   // RFC 3339 UTC
  std::string status;      // Reserved | Confirmed | Expired | Cancelled
};
BOOST_DESCRIBE_STRUCT(ReservationState, (),
                      (reservationId, eventId, userId, sessionId, categoryId, ticketCount, amount, reservedAt,
                       expiresAt, status))

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

struct Messaging {
  static constexpr std::string_view module = "inventory";
  using Publishes = MessageList<TicketsReserved, ReservationConfirmed, ReservationReleased, ReservationExpired,
                                CapacityChanged, LowInventory, SoldOut>;
};

}  // namespace boxoffice::inventory::messages
