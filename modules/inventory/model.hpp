#pragma once
// The inventory domain: an event's price categories with their seat counts, its rules, and
// holds (reservations). Plain data; the engine (engine.hpp) is the only code that changes it.
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/inventory/messages.hpp"

namespace boxoffice::inventory {

// Returned: every sold seat of the hold came back (a refund or a chargeback).
enum class ReservationStatus { Reserved, Confirmed, Expired, Cancelled, Returned };
std::string_view to_string(ReservationStatus status);
std::optional<ReservationStatus> parseReservationStatus(std::string_view text);

// Mirrors the events module's status; "Deleted" when the event was soft-deleted.
enum class SaleStatus { Draft, Published, Cancelled, Completed, Deleted };
std::string_view to_string(SaleStatus status);
SaleStatus parseSaleStatus(std::string_view text);

struct Rules {
  int maxTicketsPerUser = 10;
  int reservationTimeoutMinutes = 15;
  int lowInventoryThreshold = 50;
  int lastMinuteReservationMinutes = 30;
};

// Invariant, per category, at every commit: available + reserved + sold == total.
struct Category {
  std::string categoryId;
  std::string name;
  std::int64_t priceAmount = 0;  // minor units
  std::string currency;
  int total = 0;
  int available = 0;
  int reserved = 0;
  int sold = 0;
};

struct EventInventory {
  std::string eventId;
  std::string eventName;
  std::string organizerId;
  SaleStatus status = SaleStatus::Draft;
  std::int64_t startsAtMs = 0;
  int maxCapacity = 0;  // the venue's cap over all categories (from events); 0: not known yet
  Rules rules;
  std::vector<Category> categories;
  std::int64_t version = 1;          // inventory ETag; bumps on every change
  std::int64_t sourceVersion = 0;    // the events module's version last applied
  bool lowInventoryAlerted = false;  // LowInventory sent for the current crossing
  bool soldOutAlerted = false;       // SoldOut sent for the current crossing
  std::string updatedAt;
  // Tickets each user holds or bought for this event (for maxTicketsPerUser).
  std::map<std::string, int> ticketsByUser;

  Category* category(std::string_view id);
  const Category* category(std::string_view id) const;
  int totalSeats() const;
  int availableSeats() const;
  int reservedSeats() const;
  int soldSeats() const;
};

struct Reservation {
  std::string reservationId;
  std::string eventId;
  std::string categoryId;
  std::string userId;
  std::string sessionId;
  int ticketCount = 0;
  std::int64_t amount = 0;  // minor units: ticketCount * price at the time of the hold
  std::string currency;
  std::int64_t reservedAtMs = 0;
  std::int64_t expiresAtMs = 0;
  ReservationStatus status = ReservationStatus::Reserved;
  std::optional<std::string> orderId;  // the order whose checkout saga placed or adopted the hold
  int returnedCount = 0;               // sold seats given back; all of them: status Returned
  std::string correlationId;           // of the request or command that placed it (expiry messages carry it)
};

// A hold as the messages and the API report it.
messages::ReservationState toState(const Reservation& reservation);
// The API's reservation document: toState through the generic mapping, the messages' shape.
boost::json::object toJson(const Reservation& reservation);

}  // namespace boxoffice::inventory
