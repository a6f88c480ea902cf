#include "model.hpp"

#include <numeric>

#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice::inventory {

std::string_view to_string(ReservationStatus status) {
  switch (status) {
    case ReservationStatus::Reserved:
      return "Reserved";
    case ReservationStatus::Confirmed:
      return "Confirmed";
    case ReservationStatus::Expired:
      return "Expired";
    case ReservationStatus::Cancelled:
      return "Cancelled";
    case ReservationStatus::Returned:
      return "Returned";
  }
  return "Reserved";
}

std::optional<ReservationStatus> parseReservationStatus(std::string_view text) {
  for (auto s : {ReservationStatus::Reserved, ReservationStatus::Confirmed, ReservationStatus::Expired,
                 ReservationStatus::Cancelled, ReservationStatus::Returned}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view to_string(SaleStatus status) {
  switch (status) {
    case SaleStatus::Draft:
      return "Draft";
    case SaleStatus::Published:
      return "Published";
    case SaleStatus::Cancelled:
      return "Cancelled";
    case SaleStatus::Completed:
      return "Completed";
    case SaleStatus::Deleted:
      return "Deleted";
  }
  return "Draft";
}

SaleStatus parseSaleStatus(std::string_view text) {
  for (auto s :
       {SaleStatus::Draft, SaleStatus::Published, SaleStatus::Cancelled, SaleStatus::Completed, SaleStatus::Deleted}) {
    if (to_string(s) == text) return s;
  }
  return SaleStatus::Draft;
}

Category* EventInventory::category(std::string_view id) {
  for (auto& c : categories) {
    if (c.categoryId == id) return &c;
  }
  return nullptr;
}

const Category* EventInventory::category(std::string_view id) const {
  for (const auto& c : categories) {
    if (c.categoryId == id) return &c;
  }
  return nullptr;
}

namespace {
template <class F>
int sum(const std::vector<Category>& categories, F field) {
  return std::accumulate(categories.begin(), categories.end(), 0,
                         [&](int acc, const Category& c) { return acc + field(c); });
}
}  // namespace

messages::ReservationState toState(const Reservation& r) {
  return {r.reservationId,
          r.eventId,
          r.userId,
          r.sessionId,
          r.categoryId,
          r.ticketCount,
          {r.amount, r.currency},
          formatRfc3339(fromUnixMillis(r.reservedAtMs)),
          formatRfc3339(fromUnixMillis(r.expiresAtMs)),
          std::string(to_string(r.status)),
          r.returnedCount,
          r.orderId};
}

boost::json::object toJson(const Reservation& r) { return boxoffice::toJson(toState(r)); }

int EventInventory::totalSeats() const {
  return sum(categories, [](const Category& c) { return c.total; });
}
int EventInventory::availableSeats() const {
  return sum(categories, [](const Category& c) { return c.available; });
}
int EventInventory::reservedSeats() const {
  return sum(categories, [](const Category& c) { return c.reserved; });
}
int EventInventory::soldSeats() const {
  return sum(categories, [](const Category& c) { return c.sold; });
}

}  // namespace boxoffice::inventory
