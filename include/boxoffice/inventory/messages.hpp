#pragma once
// Integration messages the inventory module publishes on topic "tickets", each written to the
// inventory outbox in the same transaction as the change it reports.
//
//   TicketsReserved       a hold was placed (seed 003 calls it SeatsReserved)
//   ReservationConfirmed  a hold became sold seats (after payment)
//   ReservationReleased   a hold was given back by its holder, an Admin, or an event
//                         cancellation (seed 003: SeatsReleased)
//   ReservationExpired    a hold ran out of time; its seats are available again
//   CapacityChanged       a price category's total seats changed
//   LowInventory          available seats fell to or below the event's threshold (once per crossing)
//   SoldOut               no seats are left to hold (once per crossing)
//
// Reservation payloads: reservationId, eventId, userId, sessionId, categoryId, ticketCount,
// amount {amount, currency}, reservedAt, expiresAt, status (+ reason for ReservationReleased).
#include <string_view>

namespace boxoffice::inventory::messages {

inline constexpr std::string_view kTopic = "tickets";

namespace type {
inline constexpr std::string_view ticketsReserved = "TicketsReserved";
inline constexpr std::string_view reservationConfirmed = "ReservationConfirmed";
inline constexpr std::string_view reservationReleased = "ReservationReleased";
inline constexpr std::string_view reservationExpired = "ReservationExpired";
inline constexpr std::string_view capacityChanged = "CapacityChanged";
inline constexpr std::string_view lowInventory = "LowInventory";
inline constexpr std::string_view soldOut = "SoldOut";
}  // namespace type

}  // namespace boxoffice::inventory::messages
