#pragma once
// The module's own picture of users, events and buyers, kept from messages (never by asking
// another module), read and written in the caller's transaction.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace boxoffice {
class Tx;
}  // namespace boxoffice

namespace soci {
class session;
}  // namespace soci

namespace boxoffice::notifications::read_model {

struct User {
  std::string userId;
  std::string email;
  std::string displayName;
};

struct Event {
  std::string eventId;
  std::string name;
  std::string organizerId;
  std::string startsAt;  // RFC 3339 UTC
  std::string endsAt;
  std::string timezone;
  std::string venueName;
  std::string venueCity;
  std::string status;                                // Draft | Published | Cancelled | Completed | Deleted
  std::map<std::string, std::string> categoryNames;  // categoryId -> name
  std::int64_t version = 0;                          // the events module's version of it

  // The category's name, or its id when the event did not name it.
  std::string categoryName(const std::string& categoryId) const;
};

struct Buyer {
  std::string userId;
  int ticketCount = 0;  // over all of the user's completed orders for the event
};

void saveUser(Tx& tx, const User& user);
std::optional<User> findUser(soci::session& sql, const std::string& userId);

// Kept only if not older than what is stored (a Deleted event always wins).
void saveEvent(Tx& tx, const Event& event);
std::optional<Event> findEvent(soci::session& sql, const std::string& eventId);

void addOrder(Tx& tx, const std::string& orderId, const std::string& eventId, const std::string& userId,
              int ticketCount);
// Removed for good: adding the same order again (a replayed OrderCompleted) does nothing.
void removeOrder(Tx& tx, const std::string& orderId);
// How many users hold tickets for the event.
std::int64_t countBuyers(soci::session& sql, const std::string& eventId);
// Every user holding tickets for the event, in user id order.
std::vector<Buyer> buyersOf(Tx& tx, const std::string& eventId);

}  // namespace boxoffice::notifications::read_model
