#include "triggers.hpp"

#include <algorithm>
#include <map>

#include "boxoffice/kernel/time.hpp"
#include "read_model.hpp"

namespace boxoffice::notifications::triggers {

namespace {

using read_model::Event;

Event eventOf(const events::messages::EventState& s, std::string status) {
  Event event{s.eventId,    s.name,       s.organizerId,     s.startsAt, s.endsAt, s.timezone,
              s.venue.name, s.venue.city, std::move(status), {},         s.version};
  for (const auto& category : s.priceCategories) event.categoryNames[category.categoryId] = category.name;
  return event;
}

TemplateValue dateTime(const std::string& rfc3339) {
  auto parsed = parseRfc3339(rfc3339);
  if (!parsed) return std::string(rfc3339);
  return DateTime{std::chrono::time_point_cast<std::chrono::seconds>(*parsed)};
}

Notification make(const Envelope& e, std::string type, std::string userId, Variables variables) {
  return {std::move(type), std::move(userId), std::move(variables), e.messageId, e.correlationId};
}

// The event's name as the read model knows it ("" when it has not heard of the event yet).
std::string eventName(Tx& tx, const std::string& eventId) {
  auto event = read_model::findEvent(tx.sql(), eventId);
  return event ? event->name : std::string();
}

int ticketCount(const std::vector<orders::messages::OrderItem>& items) {
  int count = 0;
  for (const auto& item : items) count += item.ticketCount;
  return count;
}

std::vector<Notification> toBuyers(Tx& tx, const Envelope& e, const std::string& eventId, const std::string& type,
                                   const Variables& variables) {
  std::vector<Notification> out;
  for (const auto& buyer : read_model::buyersOf(tx, eventId)) out.push_back(make(e, type, buyer.userId, variables));
  return out;
}

}  // namespace

std::vector<Notification> on(Tx& tx, const identity::messages::UserRegistered& m, const Envelope& e) {
  read_model::saveUser(tx, {m.userId, m.email, m.displayName});
  return {make(e, "Welcome", m.userId, {{"email", m.email}})};
}

std::vector<Notification> on(Tx& tx, const identity::messages::RegistrationAttempted& m, const Envelope& e) {
  read_model::saveUser(tx, {m.userId, m.email, m.displayName});
  return {make(e, "AccountExists", m.userId, {{"email", m.email}})};
}

std::vector<Notification> on(Tx& tx, const events::messages::EventCreated& m, const Envelope& /*unused*/) {
  read_model::saveEvent(tx, eventOf(m, m.status));
  return {};
}

std::vector<Notification> on(Tx& tx, const events::messages::EventUpdated& m, const Envelope& e) {
  read_model::saveEvent(tx, eventOf(m, m.status));
  const bool moved = std::find(m.changedFields.begin(), m.changedFields.end(), "startsAt") != m.changedFields.end();
  if (!moved || !m.previousStartsAt || *m.previousStartsAt == m.startsAt) return {};
  return toBuyers(tx, e, m.eventId, "EventRescheduled",
                  {{"eventName", m.name},
                   {"previousStart", dateTime(*m.previousStartsAt)},
                   {"eventStart", dateTime(m.startsAt)},
                   {"venueName", m.venue.name}});
}

std::vector<Notification> on(Tx& tx, const events::messages::EventPublished& m, const Envelope& /*unused*/) {
  read_model::saveEvent(tx, eventOf(m, m.status));
  return {};
}

std::vector<Notification> on(Tx& tx, const events::messages::EventCancelled& m, const Envelope& e) {
  read_model::saveEvent(tx, eventOf(m, "Cancelled"));
  return toBuyers(tx, e, m.eventId, "EventCancelled",
                  {{"eventName", m.name}, {"eventStart", dateTime(m.startsAt)}, {"reason", m.reason}});
}

std::vector<Notification> on(Tx& tx, const events::messages::EventDeleted& m, const Envelope& /*unused*/) {
  read_model::saveEvent(tx, eventOf(m, "Deleted"));
  return {};
}

std::vector<Notification> on(Tx& tx, const events::messages::EventCompleted& m, const Envelope& /*unused*/) {
  read_model::saveEvent(tx, eventOf(m, "Completed"));
  return {};
}

std::vector<Notification> on(Tx& tx, const orders::messages::OrderCompleted& m, const Envelope& e) {
  const int tickets = ticketCount(m.items);
  read_model::addOrder(tx, m.orderId, m.eventId, m.userId, tickets);
  auto event = read_model::findEvent(tx.sql(), m.eventId);
  std::string seats;
  for (const auto& item : m.items) {
    if (!seats.empty()) seats += "\n";
    seats +=
        std::to_string(item.ticketCount) + " × " + (event ? event->categoryName(item.categoryId) : item.categoryId);
  }
  Variables v{{"eventName", event ? event->name : std::string()},
              {"venueName", event ? event->venueName : std::string()},
              {"venueCity", event ? event->venueCity : std::string()},
              {"orderId", m.orderId},
              {"total", m.total},
              {"ticketCount", static_cast<std::int64_t>(tickets)},
              {"seats", seats}};
  if (event) v["eventStart"] = dateTime(event->startsAt);
  return {make(e, "OrderConfirmation", m.userId, std::move(v))};
}

std::vector<Notification> on(Tx& tx, const orders::messages::OrderFailed& m, const Envelope& e) {
  return {make(e, "OrderFailed", m.userId,
               {{"eventName", eventName(tx, m.eventId)},
                {"orderId", m.orderId},
                {"total", m.total},
                {"reason", Reason{m.reason}}})};
}

std::vector<Notification> on(Tx& tx, const orders::messages::OrderCancelled& m, const Envelope& e) {
  read_model::removeOrder(tx, m.orderId);
  // The EventCancelled / event removal notice already told the buyer why.
  if (m.reason == "eventCancelled" || m.reason == "eventDeleted") return {};
  return {make(e, "OrderCancelled", m.userId,
               {{"eventName", eventName(tx, m.eventId)},
                {"orderId", m.orderId},
                {"total", m.total},
                {"reason", Reason{m.reason}}})};
}

std::vector<Notification> on(Tx& tx, const orders::messages::OrderRefunded& m, const Envelope& /*unused*/) {
  // The buyer hears of the refund from PaymentRefunded; a full refund ends their tickets.
  if (m.refundedTotal.amount >= m.total.amount) read_model::removeOrder(tx, m.orderId);
  return {};
}

std::vector<Notification> on(Tx& tx, const payments::messages::PaymentFailed& m, const Envelope& e) {
  if (m.userId.empty()) return {};  // a void before any payment: nothing the buyer needs to hear
  return {make(e, "PaymentFailed", m.userId,
               {{"eventName", eventName(tx, m.eventId)},
                {"orderId", m.orderId},
                {"amount", m.amount},
                {"reason", Reason{m.reason}}})};
}

std::vector<Notification> on(Tx& tx, const payments::messages::PaymentRefunded& m, const Envelope& e) {
  if (m.amount.amount == 0 || m.userId.empty()) return {};
  return {make(e, "PaymentRefunded", m.userId,
               {{"eventName", eventName(tx, m.eventId)},
                {"orderId", m.orderId},
                {"amount", m.amount},
                {"refundedTotal", m.refundedTotal},
                {"reason", Reason{m.reason}}})};
}

std::vector<Notification> on(Tx& tx, const inventory::messages::ReservationExpired& m, const Envelope& e) {
  // A hold placed by an order's checkout: the order's own outcome (OrderCancelled / OrderFailed)
  // tells the buyer, once. Only holds taken directly through the API are told here.
  if (m.orderId || m.userId.empty()) return {};
  return {make(e, "ReservationExpired", m.userId,
               {{"eventName", eventName(tx, m.eventId)}, {"ticketCount", static_cast<std::int64_t>(m.ticketCount)}})};
}

std::vector<Notification> on(Tx& tx, const inventory::messages::LowInventory& m, const Envelope& e) {
  auto event = read_model::findEvent(tx.sql(), m.eventId);
  if (!event || event->organizerId.empty()) return {};  // no organizer known: nobody to tell
  return {make(e, "LowInventory", event->organizerId,
               {{"eventName", event->name},
                {"availableTickets", static_cast<std::int64_t>(m.availableTickets)},
                {"threshold", static_cast<std::int64_t>(m.threshold)}})};
}

std::vector<Notification> on(Tx& tx, const inventory::messages::SoldOut& m, const Envelope& e) {
  auto event = read_model::findEvent(tx.sql(), m.eventId);
  if (!event || event->organizerId.empty()) return {};
  return {make(e, "SoldOut", event->organizerId,
               {{"eventName", event->name},
                {"soldTickets", static_cast<std::int64_t>(m.soldTickets)},
                {"reservedTickets", static_cast<std::int64_t>(m.reservedTickets)}})};
}

std::vector<Notification> on(Tx& tx, const tickets::messages::TicketTransferred& m, const Envelope& e) {
  // A transfer the sender took back (or a claim) names the sender as the new holder: no news.
  if (m.newHolderUserId == m.holderUserId) return {};
  auto event = read_model::findEvent(tx.sql(), m.eventId);
  auto from = read_model::findUser(tx.sql(), m.holderUserId);
  Variables v{{"eventName", event ? event->name : std::string()},
              {"fromName", from ? from->displayName : std::string()},
              {"categoryName", event ? event->categoryName(m.categoryId) : m.categoryId}};
  if (event) v["eventStart"] = dateTime(event->startsAt);
  return {make(e, "TicketReceived", m.newHolderUserId, std::move(v))};
}

std::vector<Notification> on(Tx& tx, const tickets::messages::TicketTransferOffered& m, const Envelope& e) {
  auto event = read_model::findEvent(tx.sql(), m.eventId);
  Variables v{{"eventName", event ? event->name : std::string()}, {"fromName", m.fromName}};
  if (event) v["eventStart"] = dateTime(event->startsAt);
  auto n = make(e, "TicketTransferOffer", "", std::move(v));
  n.guestEmail = m.toEmail;
  // In the fragment: a browser never sends it to a server, so no access log keeps it.
  n.claimPath = "/claim#token=" + m.claimToken;
  return {n};
}

}  // namespace boxoffice::notifications::triggers
