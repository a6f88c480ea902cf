#include "rules.hpp"

#include <algorithm>

namespace boxoffice::inventory {

std::optional<std::int64_t> holdExpiry(const Rules& rules, std::int64_t nowMs, std::int64_t startsAtMs,
                                       std::int64_t timeoutOverrideMs) {
  constexpr std::int64_t minute = 60'000;
  std::int64_t timeout = timeoutOverrideMs > 0 ? timeoutOverrideMs : rules.reservationTimeoutMinutes * minute;
  std::int64_t minimum = std::min(kMinimumHoldMs, timeout);
  bool lastMinute = startsAtMs - nowMs <= rules.lastMinuteReservationMinutes * minute;
  if (lastMinute) timeout = std::max(minimum, timeout / 2);
  std::int64_t expiry = std::min(nowMs + timeout, startsAtMs);
  if (expiry - nowMs < minimum) return std::nullopt;
  return expiry;
}

std::optional<Refusal> checkReserve(const EventInventory& event, const std::string& categoryId, int count,
                                    int userTickets, std::int64_t nowMs, std::int64_t timeoutOverrideMs) {
  if (event.status != SaleStatus::Published) return Refusal::NotOnSale;
  if (!holdExpiry(event.rules, nowMs, event.startsAtMs, timeoutOverrideMs)) return Refusal::TooCloseToStart;
  const auto* category = event.category(categoryId);
  if (!category) return Refusal::UnknownCategory;
  if (userTickets + count > event.rules.maxTicketsPerUser) return Refusal::PerUserLimit;
  if (category->available < count) return Refusal::NotEnoughSeats;
  return std::nullopt;
}

bool managedBy(const std::string& organizerId, std::string_view userId, bool isAdmin) {
  return isAdmin || (!userId.empty() && userId == organizerId);
}

bool visibleTo(SaleStatus status, bool managed) {
  return managed || (status != SaleStatus::Draft && status != SaleStatus::Deleted);
}

}  // namespace boxoffice::inventory
