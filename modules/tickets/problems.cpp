#include "problems.hpp"

#include "boxoffice/kernel/time.hpp"

namespace boxoffice::tickets::problems {

Problem ticketNotFound() {
  // One answer for "no such ticket" and "not yours to see or scan": whether a ticket exists is
  // nobody else's business.
  return {404, "ticket-not-found", "No such ticket.", "No ticket matches this for you."};
}
Problem eventNotFound(const std::string& eventId) { return Problem::notFound("No event " + eventId + " exists."); }
Problem transferNotFound() { return {404, "transfer-not-found", "No such transfer.", "No transfer of yours matches."}; }
Problem badSignature() {
  // Never says more: a forged payload learns nothing about which tickets exist.
  return {400, "invalid-ticket-signature", "The QR code is not a valid ticket.",
          "The payload is malformed or its signature does not verify."};
}
Problem alreadyCheckedIn(std::int64_t at, const std::string& gate, const std::string& holderName,
                         const std::string& categoryName) {
  return Problem::conflict("already-checked-in", "The ticket was already checked in.",
                           "First scanned at " + formatRfc3339(fromUnixMillis(at)) + " at gate " + gate + ".")
      .withMember("checkedInAt", formatRfc3339(fromUnixMillis(at)))
      .withMember("gate", gate)
      .withMember("holderName", holderName)
      .withMember("categoryName", categoryName);
}
Problem ticketVoided() {
  return Problem::conflict("ticket-voided", "The ticket is void.",
                           "It was refunded, charged back, or its event was cancelled.");
}
Problem ticketTransferred() {
  return Problem::conflict("ticket-transferred", "The ticket was transferred.",
                           "Its holder passed it on; only the new holder's ticket admits.");
}
Problem ticketCheckedIn() {
  return Problem::conflict("ticket-checked-in", "The ticket was already used.",
                           "A ticket that was checked in cannot be transferred.");
}
Problem wrongEvent(const std::string& ticketEventId) {
  return Problem::conflict("wrong-event", "The ticket is for another event.",
                           "This ticket admits to event " + ticketEventId + ", not the one this gate checks.");
}
Problem transfersForbidden() {
  return Problem::conflict("transfers-forbidden", "Transfers are off for this event.",
                           "The organizer does not allow tickets of this event to change hands.");
}
Problem eventOver() {
  return Problem::conflict("event-over", "Transfers of this event are closed.",
                           "Tickets change hands until the event starts, never after, nor for a cancelled event.");
}
Problem transferToSelf() {
  return {400, "transfer-to-self", "The ticket is already yours.", "Give an email other than your own."};
}
Problem claimNotValid() {
  return {404, "claim-not-found", "No such claim.",
          "The link is wrong, was used already, or the sender took the ticket back."};
}
Problem transferSettled(const std::string& status) {
  return Problem::conflict("transfer-settled", "The transfer is settled.",
                           "It is " + status + "; only a Pending transfer can be cancelled.");
}
Problem notPrintable(const std::string& status) {
  return Problem::conflict("ticket-not-valid", "The ticket does not admit anyone.",
                           "Its status is " + status + "; no QR code is shown for it.");
}

}  // namespace boxoffice::tickets::problems
