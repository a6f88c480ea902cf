#pragma once
// Integration messages the events module publishes on topic "events".
//
// Every message carries the event's complete state after the change (EventState), so a
// subscriber can build or refresh its own copy from any single message without calling back:
// the inventory module creates an event's inventory from EventCreated and adjusts it from
// EventUpdated's priceCategories. Messages are written to the events outbox in the same
// transaction as the change; `version` is the event's version (its ETag) after the change, so a
// subscriber can ignore a message older than what it already applied.
//
// Fields are declared once (BOOST_DESCRIBE_STRUCT); JSON comes from boxoffice/kernel/message_json.hpp
// and the catalogue (docs/messages.md) is generated from these declarations.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/message.hpp"

namespace boxoffice::events::messages {

// Event status names as they appear in messages and in the API.
namespace status {
inline constexpr std::string_view draft = "Draft";
inline constexpr std::string_view published = "Published";
inline constexpr std::string_view cancelled = "Cancelled";
inline constexpr std::string_view completed = "Completed";
}  // namespace status

using boxoffice::Money;

struct PriceCategory {
  std::string categoryId;  // slug, unique within the event: "vip", "general"
  std::string name;
  Money price;
  int totalSeats = 0;
  bool operator==(const PriceCategory&) const = default;
};
BOOST_DESCRIBE_STRUCT(PriceCategory, (), (categoryId, name, price, totalSeats))

struct Venue {
  std::string name;
  std::string address;
  std::string city;
  std::string country;  // ISO 3166-1 alpha-2
  bool operator==(const Venue&) const = default;
};
BOOST_DESCRIBE_STRUCT(Venue, (), (name, address, city, country))

// The state of one event as every message reports it.
struct EventState {
  std::string eventId;
  std::string name;
  std::string category;  // "concert", "theatre", ...
  std::string organizerId;
  std::string status;    // Draft | Published | Cancelled | Completed (see status::)
  std::string startsAt;  // RFC 3339 UTC
  std::string endsAt;    // RFC 3339 UTC
  std::string timezone;  // IANA name of the venue's zone, for display
  Venue venue;
  int maxCapacity = 0;
  std::vector<PriceCategory> priceCategories;
  std::int64_t version = 1;
  bool operator==(const EventState&) const = default;
};
BOOST_DESCRIBE_STRUCT(EventState, (),
                      (eventId, name, category, organizerId, status, startsAt, endsAt, timezone, venue, maxCapacity,
                       priceCategories, version))

struct EventCreated : EventState {
  static constexpr std::string_view topic = topics::events;
  static constexpr std::string_view type = "EventCreated";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "A new event, always in status Draft.";
};
BOOST_DESCRIBE_STRUCT(EventCreated, (EventState), ())

// `changedFields` uses the API's field names ("name", "startsAt", "priceCategories", "venue", ...).
// When startsAt changed, `previousStartsAt` holds the old value so ticket holders can be told
// about the new date.
struct EventUpdated : EventState {
  static constexpr std::string_view topic = topics::events;
  static constexpr std::string_view type = "EventUpdated";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "An edit: the full new state plus what changed.";
  std::vector<std::string> changedFields;
  std::optional<std::string> previousStartsAt;

  bool changed(std::string_view field) const {
    return std::ranges::any_of(changedFields, [field](const auto& f) { return f == field; });
  }
};
BOOST_DESCRIBE_STRUCT(EventUpdated, (EventState), (changedFields, previousStartsAt))

struct EventPublished : EventState {
  static constexpr std::string_view topic = topics::events;
  static constexpr std::string_view type = "EventPublished";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Draft -> Published: tickets may now be sold.";
  std::string publishedAt;
};
BOOST_DESCRIBE_STRUCT(EventPublished, (EventState), (publishedAt))

struct EventCancelled : EventState {
  static constexpr std::string_view topic = topics::events;
  static constexpr std::string_view type = "EventCancelled";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Final: no more sales; holds and paid orders are released / refunded by their owners.";
  std::string cancelledAt;
  std::string reason;  // may be empty
};
BOOST_DESCRIBE_STRUCT(EventCancelled, (EventState), (cancelledAt, reason))

// `status` is the status the event had when it was deleted.
struct EventDeleted : EventState {
  static constexpr std::string_view topic = topics::events;
  static constexpr std::string_view type = "EventDeleted";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Soft delete by an Admin: the event vanished from every public read.";
  std::string deletedAt;
};
BOOST_DESCRIBE_STRUCT(EventDeleted, (EventState), (deletedAt))

struct EventCompleted : EventState {
  static constexpr std::string_view topic = topics::events;
  static constexpr std::string_view type = "EventCompleted";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Published -> Completed, set by the sweeper once endsAt has passed.";
};
BOOST_DESCRIBE_STRUCT(EventCompleted, (EventState), ())

struct Messaging {
  static constexpr std::string_view module = "events";
  using Publishes =
      MessageList<EventCreated, EventUpdated, EventPublished, EventCancelled, EventDeleted, EventCompleted>;
};

}  // namespace boxoffice::events::messages
