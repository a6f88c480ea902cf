#pragma once
// The decisions about a hold that depend only on numbers and the clock, kept pure for testing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model.hpp"

namespace boxoffice::inventory {

// Why a hold may not be placed; the HTTP layer maps each to its own problem type.
enum class Refusal {
  NotOnSale,        // event not Published (Draft, Cancelled, Completed, Deleted)
  TooCloseToStart,  // the event starts in less than kMinimumHold
  UnknownCategory,
  NotEnoughSeats,
  PerUserLimit,
};

inline constexpr std::int64_t kMinimumHoldMs = 60'000;

// How long a hold lasts. Normally `reservationTimeoutMinutes` (or `timeoutOverrideMs` when
// non-zero: inventory.reservationTimeoutSeconds, for demos and tests). Inside the last-minute
// window (the `lastMinuteReservationMinutes` before the start) a hold lasts half the normal
// timeout (at least one minute) and, in every case, ends no later than the event's start. A
// hold that would last less than kMinimumHold (or the whole timeout, if shorter) is refused as
// too close to the start.
std::optional<std::int64_t> holdExpiry(const Rules& rules, std::int64_t nowMs, std::int64_t startsAtMs,
                                       std::int64_t timeoutOverrideMs = 0);

// Checks a request for `count` seats of `categoryId` by a user who already holds or bought
// `userTickets` for the event. nullopt: the hold may be placed.
std::optional<Refusal> checkReserve(const EventInventory& event, const std::string& categoryId, int count,
                                    int userTickets, std::int64_t nowMs, std::int64_t timeoutOverrideMs = 0);

// Who manages an event's inventory: its organizer or an Admin (`userId` empty: anonymous).
bool managedBy(const std::string& organizerId, std::string_view userId, bool isAdmin);
// Draft and deleted events are invisible to all but those who manage them: a 404, so their
// existence does not leak (the HTTP routes and the engine's commands apply the same rule).
bool visibleTo(SaleStatus status, bool managed);

}  // namespace boxoffice::inventory
