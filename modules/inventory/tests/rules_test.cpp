#include "rules.hpp"

#include <doctest/doctest.h>

using namespace boxoffice::inventory;

namespace {
constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kNow = 1'800'000'000'000;

EventInventory publishedEvent(std::int64_t startsInMs) {
  EventInventory event;
  event.eventId = "e";
  event.status = SaleStatus::Published;
  event.startsAtMs = kNow + startsInMs;
  event.categories.push_back({"general", "General", 5000, "EUR", 10, 10, 0, 0});
  return event;
}
}  // namespace

TEST_CASE("a hold lasts the configured timeout far from the start") {
  Rules rules;
  CHECK(holdExpiry(rules, kNow, kNow + 24 * 60 * kMinute) == kNow + 15 * kMinute);
}

TEST_CASE("inside the last-minute window a hold lasts half as long and never past the start") {
  Rules rules;  // 15 min timeout, 30 min window
  CHECK(holdExpiry(rules, kNow, kNow + 30 * kMinute) == kNow + 7 * kMinute + 30'000);
  CHECK(holdExpiry(rules, kNow, kNow + 5 * kMinute) == kNow + 5 * kMinute);
}

TEST_CASE("a hold shorter than a minute is refused") {
  Rules rules;
  CHECK_FALSE(holdExpiry(rules, kNow, kNow + 59'000).has_value());
  CHECK(holdExpiry(rules, kNow, kNow + kMinute) == kNow + kMinute);
}

TEST_CASE("a short override replaces the timeout and the minimum") {
  Rules rules;
  CHECK(holdExpiry(rules, kNow, kNow + 24 * 60 * kMinute, 2000) == kNow + 2000);
}

TEST_CASE("checkReserve refuses for each reason") {
  auto event = publishedEvent(24 * 60 * kMinute);
  CHECK_FALSE(checkReserve(event, "general", 10, 0, kNow).has_value());
  CHECK(checkReserve(event, "general", 11, 0, kNow) == Refusal::PerUserLimit);
  CHECK(checkReserve(event, "vip", 1, 0, kNow) == Refusal::UnknownCategory);
  CHECK(checkReserve(event, "general", 2, 9, kNow) == Refusal::PerUserLimit);
  event.categories[0].available = 1;
  event.categories[0].reserved = 9;
  CHECK(checkReserve(event, "general", 2, 0, kNow) == Refusal::NotEnoughSeats);
  event.status = SaleStatus::Draft;
  CHECK(checkReserve(event, "general", 1, 0, kNow) == Refusal::NotOnSale);
  auto soon = publishedEvent(30'000);
  CHECK(checkReserve(soon, "general", 1, 0, kNow) == Refusal::TooCloseToStart);
}

TEST_CASE("an event is managed by its organizer and Admins, and a Draft is visible only to them") {
  CHECK(managedBy("org-1", "org-1", false));
  CHECK(managedBy("org-1", "someone", true));
  CHECK_FALSE(managedBy("org-1", "someone", false));
  CHECK_FALSE(managedBy("", "", false));  // anonymous never manages, even an event without an owner
  CHECK(visibleTo(SaleStatus::Published, false));
  CHECK(visibleTo(SaleStatus::Cancelled, false));
  CHECK_FALSE(visibleTo(SaleStatus::Draft, false));
  CHECK_FALSE(visibleTo(SaleStatus::Deleted, false));
  CHECK(visibleTo(SaleStatus::Draft, true));
}
