#include "problems.hpp"

namespace boxoffice::inventory::problems {

Problem refusal(Refusal refusal, int available, int limit, int userTickets) {
  switch (refusal) {
    case Refusal::NotOnSale:
      return Problem::conflict("event-not-on-sale", "The event is not on sale.",
                               "Tickets can be held only for a published event that has not been cancelled.");
    case Refusal::TooCloseToStart:
      return Problem::conflict("too-close-to-start", "The event is about to start.",
                               "Sales have closed: a hold must last at least a minute before the start.");
    case Refusal::UnknownCategory:
      return Problem::validation({{"categoryId", "is not a price category of this event"}});
    case Refusal::NotEnoughSeats:
      return Problem::conflict("not-enough-seats", "Not enough seats.",
                               "Only " + std::to_string(available) + " seats of this category are available.")
          .withHeader("X-Available-Seats", std::to_string(available));
    case Refusal::PerUserLimit:
      return Problem::conflict("per-user-limit", "Ticket limit reached.",
                               "At most " + std::to_string(limit) + " tickets per buyer; you already hold or bought " +
                                   std::to_string(userTickets) + ".");
  }
  return Problem::conflict("conflict", "Conflict.", "");
}

Problem eventNotFound(const std::string& eventId) {
  return Problem::notFound("No inventory exists for event " + eventId + ".");
}
Problem reservationNotFound(const std::string& reservationId) {
  return Problem::notFound("No reservation " + reservationId + " exists for this event.");
}
Problem reservationExpired(const std::string& reservationId) {
  return Problem::conflict("reservation-expired", "The reservation has expired.",
                           "Reservation " + reservationId + " ran out of time; its seats were released.");
}
Problem reservationReleased(const std::string& reservationId) {
  return Problem::conflict("reservation-released", "The reservation was released.",
                           "Reservation " + reservationId + " was released; its seats are no longer held.");
}
Problem reservationConfirmed(const std::string& reservationId) {
  return Problem::conflict("reservation-confirmed", "The reservation is already paid for.",
                           "Reservation " + reservationId + " is confirmed; sold seats are returned through a refund.");
}
Problem reservationInOrder(const std::string& reservationId) {
  return Problem::conflict("reservation-in-order", "The reservation belongs to an order.",
                           "Reservation " + reservationId +
                               " is being bought through an order; the order's payment "
                               "confirms it.");
}
Problem capacityBelowCommitted(const std::string& categoryId, int committed) {
  return Problem::conflict("capacity-below-committed", "Capacity below seats already held or sold.",
                           "Category " + categoryId + " has " + std::to_string(committed) +
                               " seats held or sold; its capacity cannot go below that.");
}
Problem capacityUnknown(const std::string& eventId) {
  return Problem::conflict("capacity-unknown", "The venue's capacity is not known yet.",
                           "Inventory has not heard event " + eventId +
                               "'s maxCapacity since it was upgraded; save the event once (PUT /api/v1/events/" +
                               eventId + ") and try again.");
}
Problem notOwner() { return Problem::forbidden("Only the event's organizer or an Admin may do this."); }

Problem ownerUnavailable() {
  return Problem(503, "inventory-owner-unavailable", "The seats cannot be changed right now.",
                 "The instance that decides seats did not answer; try again in a moment (with the same "
                 "Idempotency-Key).")
      .withHeader("Retry-After", "1");
}

}  // namespace boxoffice::inventory::problems
